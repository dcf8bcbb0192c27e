import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { utf8 } from '../ledger/bytes.js';
import { openNote } from '../ledger/note.js';
import { formatKeyId, parseVerifierKey, type VerifierKey } from '../ledger/note.key.js';
import { type GlobalOptions, type Io, usageError } from './context.js';

/** Accumulates a repeatable option's values, keeping each one whole (file names may hold commas). */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

// name+8 hex digits+…: the shape of a verifier key, so a malformed key is reported as such
// rather than as a missing file.
const keyShape = /^[^+\s]+\+[0-9a-fA-F]{8}\+\S*$/;

/**
 * Verifier keys from an option value: the key text itself, or a file holding one key per line
 * (blank lines and # comments ignored), as `custos ledger keygen` writes them.
 */
export async function loadVerifierKeys(value: string, option = '--vkey'): Promise<VerifierKey[]> {
  const text = value.trim();
  if (keyShape.test(text)) return [parseVerifierKey(text)];
  let contents: string;
  try {
    contents = await readFile(value, 'utf8');
  } catch {
    throw usageError(`${option} ${JSON.stringify(value)} is neither a verifier key nor a readable file`);
  }
  const lines = contents
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length === 0) throw usageError(`${option} file ${value} holds no verifier key`);
  return lines.map((line) => parseVerifierKey(line));
}

/** Exactly one verifier key from an option value. */
export async function loadVerifierKey(value: string, option = '--vkey'): Promise<VerifierKey> {
  const keys = await loadVerifierKeys(value, option);
  if (keys.length !== 1) throw usageError(`${option} ${value} holds ${keys.length} keys; give exactly one`);
  return keys[0] as VerifierKey;
}

/** The bytes of a file argument, or of standard input for `-`. */
export async function readInput(io: Io, file: string): Promise<Uint8Array> {
  if (file === '-') return utf8(await io.readStdin());
  try {
    return Uint8Array.from(await readFile(file));
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A signer as printed: name+keyid. */
export function signerLabel(signature: { name: string; keyId: number }): string {
  return `${signature.name}+${formatKeyId(signature.keyId)}`;
}

/** Registers `custos note verify`, which checks any C2SP signed note against given keys. */
export function registerNote(program: Command, io: Io): Command {
  const note = program.command('note').description('C2SP signed notes (checkpoints and others)');

  note
    .command('verify')
    .description(
      'verify a signed note; prints its text on stdout and the verified signers on stderr (fails unless a given key signed it)',
    )
    .argument('[file]', 'the note, or - for standard input', '-')
    .requiredOption(
      '--vkey <vkey|file>',
      'a verifier key, or a file of keys; repeat for several keys',
      repeatable,
    )
    .action(async (file: string, _options, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { vkey: string[] }>();
      const keys = (await Promise.all(options.vkey.map((value) => loadVerifierKeys(value)))).flat();
      const opened = openNote(await readInput(io, file), keys);
      const signers = opened.signatures.map((s) => ({
        name: s.name,
        keyId: formatKeyId(s.keyId),
        ...(s.timestamp === undefined ? {} : { timestamp: s.timestamp }),
      }));
      if (options.json) {
        io.out(
          JSON.stringify({
            ok: true,
            text: opened.text,
            signers,
            unverified: opened.unverified.map(signerLabel),
          }),
        );
        return;
      }
      // io.out adds the final newline back, so the text prints byte for byte.
      io.out(opened.text.slice(0, -1));
      for (const signer of opened.signatures) io.err(`verified signature by ${signerLabel(signer)}`);
      for (const signer of opened.unverified)
        io.err(`ignored signature by unknown key ${signerLabel(signer)}`);
    });
  return note;
}
