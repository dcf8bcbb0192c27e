import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createOutageWatch, fullReportHoldMs } from '../../src/store/outage.js';
import { canMountTmpfs, mountSmallDisk, type SmallDisk } from '../support/disk.js';

/** An error shaped as the drivers shape theirs: a message and a string code. */
const driverError = (code: string, message = 'driver words') => Object.assign(new Error(message), { code });

describe('store outages', () => {
  let disk: SmallDisk | undefined;
  let folder: string | undefined;
  afterEach(() => {
    disk?.free();
    disk?.remove();
    if (folder) rmSync(folder, { recursive: true, force: true });
    disk = undefined;
    folder = undefined;
  });

  it('maps every driver’s disk-full and lost-connection errors to our codes, keeping their words on cause only', () => {
    const watch = createOutageWatch({ clock: createManualClock() });
    for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE', '53100', 'ENOSPC', 'EDQUOT']) {
      const mapped = watch.outage(driverError(code));
      expect(mapped, code).toMatchObject({ code: 'storage.full', details: undefined });
      expect(mapped?.message, code).not.toContain('driver words');
      expect(mapped?.cause).toMatchObject({ message: 'driver words' });
    }
    for (const code of ['ECONNREFUSED', '08006', '57P01', 'SQLITE_BUSY', 'SQLITE_IOERR_WRITE']) {
      expect(watch.outage(driverError(code)), code).toMatchObject({ code: 'store.unavailable' });
    }
    expect(watch.outage(new Error('Connection terminated unexpectedly'))).toMatchObject({
      code: 'store.unavailable',
    });
    // Not an outage: a constraint, a bug, our own errors.
    for (const error of [driverError('23505'), driverError('SQLITE_CONSTRAINT_UNIQUE'), new TypeError('x')]) {
      expect(watch.outage(error)).toBeUndefined();
    }
  });

  it('reports the store full from the first disk-full failure until none has come for the hold time', () => {
    const clock = createManualClock();
    const watch = createOutageWatch({ clock });
    expect(watch.fullSince()).toBeUndefined();
    const first = clock.now();
    watch.outage(driverError('SQLITE_FULL'));
    clock.advance(fullReportHoldMs - 1);
    watch.outage(driverError('53100'));
    clock.advance(fullReportHoldMs - 1);
    expect(watch.fullSince()).toBe(first);
    clock.advance(1);
    expect(watch.fullSince()).toBeUndefined();
  });

  it.skipIf(!canMountTmpfs)(
    'takes an SQLite I/O error for a full disk when the database’s folder has no space left',
    () => {
      disk = mountSmallDisk(256 << 10);
      const onSmallDisk = createOutageWatch({ clock: createManualClock(), folder: disk.dir });
      expect(onSmallDisk.outage(driverError('SQLITE_IOERR_WRITE'))?.code).toBe('store.unavailable');
      disk.fill();
      expect(onSmallDisk.outage(driverError('SQLITE_IOERR_WRITE'))?.code).toBe('storage.full');
      folder = mkdtempSync(join(tmpdir(), 'custos-outage-'));
      const elsewhere = createOutageWatch({ clock: createManualClock(), folder });
      expect(elsewhere.outage(driverError('SQLITE_IOERR_WRITE'))?.code).toBe('store.unavailable');
    },
  );
});
