// A catalog file's bytes as text. Spreadsheets often save CSV as Windows-1252 (Latin-1):
// read that as UTF-8 and every accented letter turns into U+FFFD, so the names come out
// wrong. UTF-8 is tried strictly first; anything that is not UTF-8 is read as Windows-1252.
export function catalogText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
