/** JSON.parse for files a killed app or a full disk may have left half-written: null instead of a throw. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
