/** The progress bar `migrate`, `status --watch` and `audit` draw: `[####......] 40%` for a ratio in [0, 1]. */
export function progressBar(ratio: number, width = 30): string {
  const r = Math.max(0, Math.min(1, ratio));
  const filled = Math.round(r * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(r * 100)}%`;
}
