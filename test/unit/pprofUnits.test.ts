import * as assert from 'node:assert/strict';
import { classifyPackage, formatBytes, formatCount, formatDelta, formatNanos, formatPercent, formatValue, packagePath } from '../../src/pprof/units';

describe('pprof units', () => {
  it('formats bytes in binary units', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1024 * 1024 - 1), '1 MiB');
    assert.equal(formatBytes(12.34 * 1024 * 1024), '12.3 MiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3 GiB');
    assert.equal(formatBytes(-2048), '-2 KiB');
  });

  it('formats nanoseconds as ns, µs, ms and s', () => {
    assert.equal(formatNanos(850), '850 ns');
    assert.equal(formatNanos(1200), '1.2 µs');
    assert.equal(formatNanos(3_450_000), '3.45 ms');
    assert.equal(formatNanos(999_999), '1 ms');
    assert.equal(formatNanos(1.234e9), '1.23 s');
    assert.equal(formatValue(10, 'milliseconds'), '10 ms');
  });

  it('formats counts with k and M, and unknown units verbatim', () => {
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(1234), '1.23k');
    assert.equal(formatCount(4_500_000), '4.5M');
    assert.equal(formatValue(5, 'count'), '5');
    assert.equal(formatValue(2500, 'requests'), '2.5k requests');
    assert.equal(formatDelta(2048, 'bytes'), '+2 KiB');
    assert.equal(formatDelta(-5, 'count'), '-5');
  });

  it('formats percentages', () => {
    assert.equal(formatPercent(1, 3), '33.3%');
    assert.equal(formatPercent(1, 80), '1.25%');
    assert.equal(formatPercent(1, 1e6), '<0.01%');
    assert.equal(formatPercent(0, 0), '0%');
    assert.equal(formatPercent(5, 0), 'n/a');
  });

  it('finds the package of a Go function and classifies it', () => {
    assert.equal(packagePath('example.com/m/pkg.(*T).Method'), 'example.com/m/pkg');
    assert.equal(packagePath('gopkg.in/yaml%2ev3.(*parser).parse'), 'gopkg.in/yaml.v3');
    assert.equal(packagePath('main.main.func1'), 'main');
    assert.equal(packagePath('example.com/m.Map[go.shape.int,example.com/x.T]'), 'example.com/m');
    assert.equal(classifyPackage('example.com/m/pkg.(*T).Method', 'example.com/m'), 'user');
    assert.equal(classifyPackage('example.com/m_test.TestX', 'example.com/m'), 'user');
    assert.equal(classifyPackage('github.com/dep/x.F', 'example.com/m'), 'dep');
    assert.equal(classifyPackage('github.com/dep/x.F'), 'user');
    assert.equal(classifyPackage('strings.(*Builder).WriteString', 'example.com/m'), 'std');
    assert.equal(classifyPackage('compress/flate.NewWriter'), 'std');
    assert.equal(classifyPackage('runtime.mallocgc'), 'runtime');
    assert.equal(classifyPackage('runtime/internal/atomic.Load'), 'runtime');
    assert.equal(classifyPackage('internal/runtime/maps.newarray'), 'runtime');
    assert.equal(classifyPackage('main.main'), 'user');
    assert.equal(classifyPackage('myapp/internal/db.Open', 'myapp'), 'user');
  });
});
