// Starts the language server (dist/server.js) over IPC through vscode-languageclient and
// restarts it on crash, up to a limit.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { AUTO_SAVE_NOTIFICATION, type InitializationOptions } from '../shared/protocol';
import type { AutoSaveTracker } from './autoSave';
import { PRODUCT_NAME } from '../shared/version';

/** At most this many crashes within the window before the server is left stopped. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

export class ServerErrorHandler {
  private readonly restarts: number[] = [];
  constructor(private readonly log: vscode.LogOutputChannel) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.log.error(`Language server connection error: ${error.message}`);
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts.length > 0 && now - this.restarts[0] > RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length > MAX_RESTARTS) {
      const message = `The ${PRODUCT_NAME} language server crashed ${this.restarts.length} times in the last ${RESTART_WINDOW_MS / 60000} minutes and will not be restarted. Run "Go Memory Insight: Restart Language Server" to try again.`;
      this.log.error(message);
      return { action: CloseAction.DoNotRestart, message };
    }
    this.log.warn(`The language server stopped unexpectedly; restarting (${this.restarts.length}/${MAX_RESTARTS}).`);
    return { action: CloseAction.Restart, handled: true };
  }

  reset(): void {
    this.restarts.length = 0;
  }
}

/**
 * settingsOverride: applied to the goMemoryInsight section the server reads through
 * workspace/configuration (the escape analysis switch, src/extension/escape/toggle.ts).
 */
export function createClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, traceChannel: vscode.LogOutputChannel, init: InitializationOptions, errorHandler: ServerErrorHandler, autoSaves: AutoSaveTracker, settingsOverride: (section: unknown) => unknown): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'go' }],
    initializationOptions: init,
    outputChannel: log,
    traceOutputChannel: traceChannel,
    errorHandler,
    synchronize: { configurationSection: ['goMemoryInsight', 'go'], fileEvents: vscode.workspace.createFileSystemWatcher('**/{go.mod,go.sum,go.work,*.go}') },
    middleware: {
      // An automatic save is announced just before its didSave: the server then waits for idle.
      didSave: async (document, next) => {
        if (autoSaves.take(document.uri)) await client.sendNotification(AUTO_SAVE_NOTIFICATION, { uri: client.code2ProtocolConverter.asUri(document.uri) });
        return next(document);
      },
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value: unknown, i) => (params.items[i]?.section === 'goMemoryInsight' ? settingsOverride(value) : value));
        },
      },
    },
  };
  const client = new LanguageClient('goMemoryInsight', `${PRODUCT_NAME} Language Server`, serverOptions, clientOptions);
  return client;
}

export function describeState(state: State): string {
  switch (state) {
    case State.Running:
      return 'running';
    case State.Starting:
      return 'starting';
    case State.Stopped:
      return 'stopped';
    default:
      return 'unknown';
  }
}
