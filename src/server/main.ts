// The Go Memory Insight language server. Started by the extension over IPC, or by other
// editors with `--stdio` (node dist/server.js --stdio). It runs the Go compiler's escape
// analysis for the packages of open Go files and answers diagnostics, hovers and code lenses.
import { createConnection, DidChangeConfigurationNotification, ProposedFeatures, StreamMessageWriter, TextDocuments, TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { ANALYSE_PACKAGE_SERVER_COMMAND, AUTO_SAVE_NOTIFICATION, HOTSPOT_FINDINGS_REQUEST, MEASURED_COST_NOTIFICATION, SHOW_ALL_FINDINGS_SERVER_COMMAND, ServerInfoRequest, type HotspotFindingsParams, type InitializationOptions, type ServerInfoResult } from '../shared/protocol';
import { VERSION } from '../shared/version';
import { findGo } from '../goenv/findGo';
import { killProcessGroupsOnExit } from '../goenv/processGroups';
import { parseMeasuredCost } from './escape/measured';
import { EscapeService } from './escape/service';
import { settingsFrom, type EscapeSettings } from './escape/settings';
import { FramingError, StrictStreamMessageReader } from './framing';

const stdio = process.argv.includes('--stdio');
// No go command outlives the server: signals, stdin's end (--stdio), IPC disconnect, the parent's exit.
killProcessGroupsOnExit({ stdin: stdio ? process.stdin : undefined });
// Over --stdio the messages are framed by the client, and read by a reader that refuses the
// first malformed frame (src/server/framing.ts) instead of waiting for ever; over IPC (the
// extension) Node frames them itself.
const stdioReader = stdio ? new StrictStreamMessageReader(process.stdin) : undefined;
const connection = stdioReader ? createConnection(ProposedFeatures.all, stdioReader, new StreamMessageWriter(process.stdout)) : createConnection(ProposedFeatures.all);
let shutdownReceived = false;
if (stdioReader) stdioOwnership(stdioReader, connection);

/**
 * What vscode-languageserver does for `--stdio` when it opens the streams itself: exit when stdin
 * ends (0 after a shutdown request, else 1), and send console output to the client's log, never
 * into the protocol on stdout. And a malformed message: one line on stderr and exit status 1,
 * so that the client starts a new server.
 */
function stdioOwnership(reader: StrictStreamMessageReader, conn: Connection): void {
  reader.onError((err) => {
    const why = err instanceof FramingError ? `malformed message from the client: ${err.message}` : `cannot read from the client: ${err.message.split('\n')[0]}`;
    process.stderr.write(`go-memory-insight language server: ${why}; exiting\n`);
    process.exit(1);
  });
  reader.onClose(() => process.exit(shutdownReceived ? 0 : 1));
  const toLog = (send: (message: string) => void) => (...args: unknown[]): void => send(format(...args));
  console.log = toLog((m) => conn.console.log(m));
  console.info = toLog((m) => conn.console.info(m));
  console.debug = toLog((m) => conn.console.debug(m));
  console.warn = toLog((m) => conn.console.warn(m));
  console.error = toLog((m) => conn.console.error(m));
  console.trace = toLog((m) => conn.console.log(`Trace: ${m}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`));
}
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

// The heap profile the editor shows: hovers and diagnostics say what each line measured.
connection.onNotification(MEASURED_COST_NOTIFICATION, (params: unknown) => escape.setMeasuredCost(parseMeasuredCost(params)));
// The hot spots view asks for the findings at the profile's lines.
connection.onRequest(HOTSPOT_FINDINGS_REQUEST, (params: HotspotFindingsParams) => escape.hotspotFindings(params));

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
connection.onShutdown(() => {
  shutdownReceived = true;
  escape.dispose();
});

documents.listen(connection);
connection.listen();
