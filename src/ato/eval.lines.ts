import { Transform } from 'node:stream';

/**
 * Passes text on line by line, dropping any line with an odd number of double quotes. A CSV
 * parser reads an unclosed quote as a field running on to the next quote, which can be the end of
 * a 9 GB file; the RBA log has no line breaks inside fields, so such a line can only be damage,
 * and dropping it alone keeps the rest of the replay.
 */
export function createBalancedLines(onUnbalanced: () => void): Transform {
  let partial = '';
  const balanced = (line: string): boolean => {
    let quotes = 0;
    for (let at = line.indexOf('"'); at !== -1; at = line.indexOf('"', at + 1)) quotes += 1;
    return quotes % 2 === 0;
  };
  const keep = (lines: string[]): string => {
    let out = '';
    for (const line of lines) {
      if (balanced(line)) out += `${line}\n`;
      else onUnbalanced();
    }
    return out;
  };
  return new Transform({
    decodeStrings: false,
    encoding: 'utf8',
    transform(chunk: string | Buffer, _encoding, done) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      done(null, keep(lines));
    },
    flush(done) {
      done(null, partial === '' ? '' : keep([partial]));
    },
  });
}
