import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystemView, type DirEntry } from '../../../src/runner/incremental/files';

/** The folder-listing cache kept with the stat cache (real folders, real times). */

const past = (dir: string): void => {
  const t = new Date(Date.now() - 60_000);
  fs.utimesSync(dir, t, t);
};

describe('incremental folder-listing cache', () => {
  it('reuses a settled listing without reading the folder, and reads it again once an entry was added or removed', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'at-dirs-'));
    const dir = path.join(root, 'in');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'a.txt'), 'a');
    past(dir);
    const dirs = new Map<string, DirEntry>();
    let v = new FileSystemView(root, new Map(), dirs);
    assert.deepEqual(v.expand(['in/*.txt'], undefined).files, ['in/a.txt']);
    assert.equal(v.listed, 1);
    assert.ok(dirs.get('in')?.endsWith('|fa.txt'), dirs.get('in'));

    // Same folder times: the cached listing is used (a name only the cache holds proves it).
    dirs.set('in', (dirs.get('in') as string) + '/fghost.txt');
    v = new FileSystemView(root, new Map(), dirs);
    assert.deepEqual(v.expand(['in/*.txt'], undefined).files, ['in/a.txt', 'in/ghost.txt']);
    assert.equal(v.listed, 0);

    // Adding a file changes the folder's mtime: read again.
    fs.writeFileSync(path.join(dir, 'b.txt'), 'b');
    v = new FileSystemView(root, new Map(), dirs);
    assert.deepEqual(v.expand(['in/*.txt'], undefined).files, ['in/a.txt', 'in/b.txt']);
    assert.equal(v.listed, 1);
    // Listed within the time granularity of its change: not trusted on the next run.
    v = new FileSystemView(root, new Map(), dirs);
    v.expand(['in/*.txt'], undefined);
    assert.equal(v.listed, 1, 'a racily clean listing is read again');

    // Removing one, and a file replaced by a folder of the same name.
    past(dir);
    v = new FileSystemView(root, new Map(), dirs);
    v.expand(['in/**'], undefined);
    fs.rmSync(path.join(dir, 'a.txt'));
    fs.mkdirSync(path.join(dir, 'a.txt'));
    fs.writeFileSync(path.join(dir, 'a.txt', 'inner'), 'x');
    v = new FileSystemView(root, new Map(), dirs);
    assert.deepEqual(v.expand(['in/**'], undefined).files, ['in/a.txt/inner', 'in/b.txt']);
    // A folder that is gone is missing, whatever the cache says.
    fs.rmSync(dir, { recursive: true });
    v = new FileSystemView(root, new Map(), dirs);
    const gone = v.expand(['in/*.txt'], undefined);
    assert.deepEqual(gone.files, []);
    assert.deepEqual(gone.empty, [{ pattern: 'in/*.txt' }]);
  });
});
