// The Go Memory Insight language server. Started by the extension over IPC, or by other
// editors with `--stdio` (node dist/server.js --stdio).
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ServerInfoRequest, type InitializationOptions, type ServerInfoResult } from '../shared/protocol';
import { VERSION } from '../shared/version';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let options: InitializationOptions = {};

connection.onInitialize((params): InitializeResult => {
  options = (params.initializationOptions as InitializationOptions | undefined) ?? {};
  connection.console.info(`Go Memory Insight language server ${VERSION} (Node ${process.version}, pid ${process.pid}); go: ${options.goBinary ?? 'none'}`);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
    },
    serverInfo: { name: 'go-memory-insight', version: VERSION },
  };
});

// By method name: the server and client libraries carry different copies of the protocol types.
connection.onRequest(ServerInfoRequest.method, (): ServerInfoResult => ({
  name: 'go-memory-insight',
  version: VERSION,
  pid: process.pid,
  goBinary: options.goBinary ?? null,
  nodeVersion: process.version,
}));

documents.listen(connection);
connection.listen();
