// Function names as go tool pprof shows them (its symbolizer's simplification of names that
// look demangled, which Go's generic shapes do).
import * as assert from 'node:assert/strict';
import { pprofDisplayName, removeMatching } from '../../src/pprof/displayName';

describe('pprof display names', () => {
  it('drops the parameter lists of generic shapes, as pprof does', () => {
    const full = 'sync.OnceValue[go.shape.func(*encoding/json.encodeState, reflect.Value, encoding/json.encOpts)]';
    assert.equal(pprofDisplayName(full, full), 'sync.OnceValue[go.shape.func]');
    assert.equal(pprofDisplayName('', full), 'sync.OnceValue[go.shape.func]');
    const nested = 'encoding/json.typeEncoder.OnceValue[go.shape.func(*encoding/json.encodeState, func(int) (bool))].func3';
    assert.equal(pprofDisplayName(nested, nested), 'encoding/json.typeEncoder.OnceValue[go.shape.func].func3');
  });

  it('leaves plain Go names, receivers of generic types, Java names and demangled names alone', () => {
    for (const n of ['main.main', 'bytes.(*Buffer).grow', 'example.com/m.(*List[go.shape.int]).Push', 'com.x.Foo.<init>', 'fmt.(*pp).doPrintf']) assert.equal(pprofDisplayName(n, n), n);
    // A profile that names the function itself keeps that name.
    assert.equal(pprofDisplayName('pretty', 'ugly[go.shape.func(int)]'), 'pretty');
  });

  it('removeMatching removes outermost pairs, and gives up on a stray closer', () => {
    assert.equal(removeMatching('a(b(c)d)e(f)g', '(', ')'), 'aeg');
    assert.equal(removeMatching('a)b(c)', '(', ')'), 'a)b(c)');
    assert.equal(removeMatching('f<int, vector<x>>::g', '<', '>'), 'f::g');
  });
});
