// The repository's own checks: js/ has no import cycles (scripts/check-cycles.mjs, a step of
// `npm test`), and that check does catch one.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const check = (dir: string) =>
  spawnSync(process.execPath, [join(root, 'scripts', 'check-cycles.mjs'), dir], { cwd: root, encoding: 'utf8' });

describe('import cycle check', () => {
  it('finds none in js/', () => {
    const r = check('js');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reports a cycle, type-only imports included, naming its modules', () => {
    const r = check('test/fixtures/cycles/loop');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/loop\/a\.ts -> .*loop\/b\.ts -> .*loop\/a\.ts/);
  });

  it('resolves folder imports and passes layered modules', () => {
    const r = check('test/fixtures/cycles/layers');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no import cycles among 2 modules');
  });
});
