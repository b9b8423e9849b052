// Worker threads inherit the parent's Node options (process.execArgv). Some of them only make sense
// for the main entry: with `--input-type` (as in `node --input-type=module -e "…"`), a thread's file
// entry fails with ERR_INPUT_TYPE_NOT_ALLOWED. Every thread simrun starts takes the options below.

/** The parent's Node options, less those that apply to the main entry only. */
export function threadExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (a.startsWith('--input-type=')) continue;
    if (a === '--input-type') { i++; continue; } // its value is the next word
    out.push(a);
  }
  return out;
}
