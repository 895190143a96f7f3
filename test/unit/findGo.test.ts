import * as assert from 'node:assert/strict';
import { findGo, type GoLookupInputs } from '../../src/goenv/findGo';

function inputs(files: string[], extra: Partial<GoLookupInputs> = {}): GoLookupInputs {
  const set = new Set(files);
  return { env: { PATH: '/usr/bin:/bin' }, platform: 'linux', isExecutable: (f) => set.has(f), ...extra };
}

describe('findGo', () => {
  it('prefers goMemoryInsight.goPath over everything else', () => {
    const r = findGo(inputs(['/opt/go1.22/bin/go', '/usr/bin/go'], { settingPath: '/opt/go1.22/bin/go', goroot: '/usr/local/go' }));
    assert.deepEqual(r.ok && [r.path, r.source], ['/opt/go1.22/bin/go', 'setting']);
  });

  it('accepts a GOROOT directory in the setting', () => {
    const r = findGo(inputs(['/opt/go/bin/go'], { settingPath: '/opt/go' }));
    assert.equal(r.ok && r.path, '/opt/go/bin/go');
  });

  it('reports a setting that points nowhere instead of silently falling back', () => {
    const r = findGo(inputs(['/usr/bin/go'], { settingPath: '/nope/go' }));
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && r.badSetting, { source: 'setting', value: '/nope/go' });
  });

  it('uses go.alternateTools.go, as a path or as a command on PATH', () => {
    let r = findGo(inputs(['/x/gotip'], { alternateTool: '/x/gotip' }));
    assert.deepEqual(r.ok && [r.path, r.source], ['/x/gotip', 'go.alternateTools']);
    r = findGo(inputs(['/usr/bin/gotip'], { alternateTool: 'gotip' }));
    assert.equal(r.ok && r.path, '/usr/bin/gotip');
  });

  it('then go.goroot, then $GOROOT/bin, then PATH', () => {
    let r = findGo(inputs(['/g/bin/go', '/e/bin/go', '/usr/bin/go'], { goroot: '/g', env: { GOROOT: '/e', PATH: '/usr/bin' } }));
    assert.equal(r.ok && r.source, 'go.goroot');
    r = findGo(inputs(['/e/bin/go', '/usr/bin/go'], { env: { GOROOT: '/e', PATH: '/usr/bin' } }));
    assert.equal(r.ok && r.source, 'GOROOT');
    r = findGo(inputs(['/usr/bin/go'], { env: { PATH: '/nothing:/usr/bin' } }));
    assert.deepEqual(r.ok && [r.path, r.source], ['/usr/bin/go', 'PATH']);
  });

  it('falls back to the usual install folder when PATH has no go', () => {
    const r = findGo(inputs(['/usr/local/go/bin/go'], { env: { PATH: '/bin' } }));
    assert.deepEqual(r.ok && [r.path, r.source], ['/usr/local/go/bin/go', 'install-dir']);
  });

  it('says what it tried when there is no go at all', () => {
    const r = findGo(inputs([], { goroot: '/g', env: { PATH: '/bin' } }));
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.tried.some((t) => t.includes('go.goroot')) && r.tried.includes('PATH'));
  });

  it('finds go.exe on Windows PATH', () => {
    const r = findGo(inputs(['C:\\Go\\bin\\go.exe'], { platform: 'win32', env: { Path: 'C:\\Windows;C:\\Go\\bin', PATHEXT: '.COM;.EXE' } }));
    assert.equal(r.ok && r.path, 'C:\\Go\\bin\\go.exe');
  });

  it('finds the real go on this machine', () => {
    const r = findGo({ env: process.env, platform: process.platform });
    assert.ok(r.ok, 'expected a go binary on this machine');
  });
});
