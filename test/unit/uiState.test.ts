// The flame graph page's saved state comes back through getState after a window reload, possibly
// written by an older version or damaged: parseUiState keeps what is well formed, bounds the
// lists, and drops the rest.
import * as assert from 'node:assert/strict';
import { MAX_UNDO_STEPS, parseUiState } from '../../src/shared/webviewProtocol';

describe('saved flame graph state (parseUiState)', () => {
  it('keeps the refinements, the granularity and the Undo history', () => {
    const saved = {
      refinements: [{ kind: 'focus', pattern: 'BuildRecords' }, { kind: 'tagfocus', pattern: 'bytes=1kb:' }],
      granularity: 'lines',
      refineOpen: true,
      undo: [{ refinements: [] }, { refinements: [{ kind: 'focus', pattern: 'BuildRecords' }], granularity: 'files' }],
    };
    assert.deepEqual(parseUiState(JSON.parse(JSON.stringify(saved))), saved);
  });

  it('drops malformed chips and steps, and keeps only the last Undo steps', () => {
    const many = Array.from({ length: MAX_UNDO_STEPS + 20 }, (_, i) => ({ refinements: [{ kind: 'hide', pattern: `f${i}` }] }));
    const s = parseUiState({
      refinements: [{ kind: 'focus' }, { kind: 'delete', pattern: 'x' }, 'focus', { kind: 'ignore', pattern: 'ok' }],
      granularity: 'bytes',
      undo: [...many, 7, { refinements: 'focus', granularity: 'nope' }],
    });
    assert.deepEqual(s.refinements, [{ kind: 'ignore', pattern: 'ok' }]);
    assert.equal(s.granularity, undefined);
    assert.equal(s.undo!.length, MAX_UNDO_STEPS - 2 + 1, 'the last steps that are records');
    assert.deepEqual(s.undo!.at(-1), { refinements: [] });
    assert.deepEqual(s.undo![0], { refinements: [{ kind: 'hide', pattern: `f${20 + 2}` }] });
  });

  it('reads nothing from something that is not a saved state', () => {
    assert.deepEqual(parseUiState(undefined), {});
    assert.deepEqual(parseUiState('state'), {});
    assert.deepEqual(parseUiState({ undo: [] }), {});
  });
});
