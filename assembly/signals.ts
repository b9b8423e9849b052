// Entry signals as bits: bar i at byte i >> 3, bit i & 7 (the host copies Arrow's bitmaps as they
// are; src/engine/signal-bits.ts). Bits past the last bar are 0, and each column's bits are padded
// so that an 8-byte word load at any bar stays inside them.

// Bar i's signal (0 or 1).
// @ts-ignore: decorator
@inline export function bitAt(ptr: usize, i: i32): u32 {
  return (<u32>load<u8>(ptr + (<usize>i >>> 3)) >>> (<u32>i & 7)) & 1;
}

// Bars i and i + 1 (i even: both bits are in one byte): non-zero when either has a signal.
// @ts-ignore: decorator
@inline export function pairAt(ptr: usize, i: i32): u32 {
  return (<u32>load<u8>(ptr + (<usize>i >>> 3)) >>> (<u32>i & 7)) & 3;
}

// The first bar in [i, end) with a signal on either side (a or b), or `end`: 64 bars a step,
// count-trailing-zeros to the bar.
export function nextSignal(a: usize, b: usize, i: i32, end: i32): i32 {
  let w: usize = <usize>i >>> 6;
  let word = (load<u64>(a + (w << 3)) | load<u64>(b + (w << 3))) >> (<u64>i & 63);
  if (word != 0) {
    const j = i + <i32>ctz(word);
    return j < end ? j : end;
  }
  w++;
  while (<i32>(w << 6) < end) {
    word = load<u64>(a + (w << 3)) | load<u64>(b + (w << 3));
    if (word != 0) {
      const j = <i32>(w << 6) + <i32>ctz(word);
      return j < end ? j : end;
    }
    w++;
  }
  return end;
}
