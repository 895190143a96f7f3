// The Go Memory Insight language server. Started by the extension over IPC, or by other
// editors with `--stdio` (node dist/server.js --stdio). It runs the Go compiler's escape
// analysis for the packages of open Go files and answers diagnostics, hovers and code lenses.
import { createConnection, DidChangeConfigurationNotification, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { ANALYSE_PACKAGE_SERVER_COMMAND, AUTO_SAVE_NOTIFICATION, SHOW_ALL_FINDINGS_SERVER_COMMAND, ServerInfoRequest, type InitializationOptions, type ServerInfoResult } from '../shared/protocol';
import { VERSION } from '../shared/version';
import { findGo } from '../goenv/findGo';
import { killProcessGroupsOnExit } from '../goenv/processGroups';
import { EscapeService } from './escape/service';
import { settingsFrom, type EscapeSettings } from './escape/settings';

// No go command outlives the server: signals, stdin's end (--stdio), IPC disconnect, the parent's exit.
killProcessGroupsOnExit({ stdin: process.argv.includes('--stdio') ? process.stdin : undefined });
const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let options: InitializationOptions & { settings?: { goMemoryInsight?: unknown; go?: unknown } } = {};
let goBinary: string | undefined;
let pullConfiguration = false;
let dynamicConfiguration = false;
let watchFolders = false;

function pathOf(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

async function loadSettings(): Promise<EscapeSettings> {
  if (pullConfiguration) {
    try {
      const [ours, go] = (await connection.workspace.getConfiguration([{ section: 'goMemoryInsight' }, { section: 'go' }])) as unknown[];
      return settingsFrom(ours, go);
    } catch (err) {
      connection.console.warn(`Could not read settings: ${String(err)}`);
    }
  }
  return settingsFrom(options.settings?.goMemoryInsight, options.settings?.go);
}

const escape = new EscapeService(connection, documents, () => goBinary, loadSettings);

connection.onInitialize((params): InitializeResult => {
  options = (params.initializationOptions as typeof options | undefined) ?? {};
  // Standalone (other editors): find go the same way, from the environment.
  if (options.fromExtension) {
    // The extension chose the binary (or none: go not found, or an untrusted workspace).
    goBinary = options.goBinary;
  } else {
    const r = findGo({ env: process.env, platform: process.platform });
    goBinary = r.ok ? r.path : undefined;
  }
  // Packages are analysed on open and save inside the workspace folders (or the root) only.
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  const rootPath = params.rootPath ?? undefined;
  escape.setWorkspaceFolders(folders.length > 0 ? folders.map(pathOf).filter((p): p is string => !!p) : rootPath ? [rootPath] : []);
  watchFolders = !!params.capabilities.workspace?.workspaceFolders;
  pullConfiguration = !!params.capabilities.workspace?.configuration;
  dynamicConfiguration = !!params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration;
  connection.console.info(`Go Memory Insight language server ${VERSION} (Node ${process.version}, pid ${process.pid}); go: ${goBinary ?? 'none'}`);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      executeCommandProvider: { commands: [ANALYSE_PACKAGE_SERVER_COMMAND, SHOW_ALL_FINDINGS_SERVER_COMMAND] },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'go-memory-insight', version: VERSION },
  };
});

connection.onInitialized(() => {
  if (dynamicConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, undefined);
  if (watchFolders) {
    connection.workspace.onDidChangeWorkspaceFolders(() => {
      void connection.workspace.getWorkspaceFolders().then((all) => escape.setWorkspaceFolders((all ?? []).map((f) => pathOf(f.uri)).filter((p): p is string => !!p)));
    });
  }
});

// Analyses the package of a file URI on request, inside the workspace or not.
connection.onExecuteCommand(async (params) => {
  const arg = params.arguments?.[0];
  if (params.command === ANALYSE_PACKAGE_SERVER_COMMAND) return typeof arg === 'string' ? escape.analysePackage(arg) : false;
  // The quick fix of the "N more findings in this package" diagnostic: arg is the package directory.
  if (params.command === SHOW_ALL_FINDINGS_SERVER_COMMAND) return typeof arg === 'string' ? escape.showAllFindings(arg) : false;
  return null;
});
connection.onCodeAction((params) => escape.codeActions(params.textDocument.uri, params.context.diagnostics));
// The extension says which saves files.autoSave makes: those are analysed once typing stops.
connection.onNotification(AUTO_SAVE_NOTIFICATION, (params: { uri?: unknown }) => {
  if (typeof params?.uri === 'string') escape.willSaveAutomatically(params.uri);
});

connection.onRequest(
  // By method name: the server and client libraries carry different copies of the protocol types.
  ServerInfoRequest.method,
  (): ServerInfoResult => ({ name: 'go-memory-insight', version: VERSION, pid: process.pid, goBinary: goBinary ?? null, nodeVersion: process.version }),
);

const isGo = (uri: string): boolean => uri.startsWith('file:') && uri.endsWith('.go');

documents.onDidOpen((e) => {
  if (isGo(e.document.uri)) void escape.opened(e.document);
});
documents.onDidSave((e) => {
  if (isGo(e.document.uri)) void escape.saved(e.document);
});
documents.onDidChangeContent((e) => {
  if (isGo(e.document.uri)) escape.changed(e.document);
});
documents.onDidClose((e) => {
  if (isGo(e.document.uri)) escape.closed(e.document);
});
connection.onDidChangeConfiguration((change) => {
  const settings = change.settings as { goMemoryInsight?: unknown; go?: unknown } | null;
  if (!pullConfiguration && settings) options.settings = settings;
  void escape.configurationChanged();
});
connection.onDidChangeWatchedFiles((change) => {
  const uris = change.changes.map((c) => c.uri).filter((u) => u.startsWith('file:') && /(?:\.go|\/go\.(?:mod|sum|work))$/.test(u));
  void escape.filesChanged(uris, uris.filter((u) => u.endsWith('.go') && !documents.get(u)));
});
connection.onHover((params) => escape.hover(params.textDocument.uri, params.position.line, params.position.character));
connection.onCodeLens((params) => escape.codeLenses(params.textDocument.uri));
connection.onShutdown(() => escape.dispose());

documents.listen(connection);
connection.listen();
