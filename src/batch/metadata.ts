// Facts from a parquet file's footer, without decoding any data page.
import fs from 'node:fs';
import { ParquetFile } from 'parquet-wasm';

import { oneLine, SimrunError } from '../errors.js';

/** The number of rows in parquet `file`, from its footer (parquet-wasm reads only the footer's bytes). */
export async function parquetRowCount(file: string): Promise<number> {
  let blob: Blob;
  try {
    fs.accessSync(file, fs.constants.R_OK); // openAsBlob's own error does not say why
    blob = await fs.openAsBlob(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SimrunError('missing-file', 'file not found', file);
    throw new SimrunError('unreadable-file', `cannot read file (${code ?? String(e)})`, file);
  }
  let pf: ParquetFile | undefined;
  try {
    pf = await ParquetFile.fromFile(blob);
    const meta = pf.metadata();
    return meta.fileMetadata().numRows();
  } catch (e) {
    throw new SimrunError('corrupt-parquet', `not a readable parquet file (${oneLine(e)})`, file);
  } finally {
    pf?.free();
  }
}
