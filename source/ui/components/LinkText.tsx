// A long URL drawn as whole rows of the given width, nothing else on those rows (so a selection
// copies only the URL). Where the terminal supports OSC 8 every row is a link to the whole URL:
// clicking any row opens all of it. `c` on the login screen copies it whole (OSC 52) anyway.
import {Box} from 'ink';
import {TrustedText as Text} from './Text.js';
import {cellWidth} from '../../core/cells.js';
import {sanitizeLine} from '../../core/sanitize.js';

/** OSC 8 hyperlink around `text` to `url` (BEL-terminated, as most terminals accept). */
const hyperlink = (url: string, text: string) => `\u001b]8;;${url}\u0007${text}\u001b]8;;\u0007`;

/** `url` cut into rows of at most `width` cells. */
export function urlRows(url: string, width: number): string[] {
  const rows: string[] = [];
  let row = '';
  for (const char of url) {
    if (cellWidth(row + char) > width) {
      rows.push(row);
      row = '';
    }
    row += char;
  }
  if (row) rows.push(row);
  return rows;
}

export function LinkText({url, width, links, color}: {url: string; width: number; links: boolean; color?: string}) {
  const clean = sanitizeLine(url);
  return (
    <Box flexDirection="column" width={width}>
      {urlRows(clean, Math.max(10, width)).map((row, i) => (
        <Text key={i} color={color} wrap="truncate">
          {links ? hyperlink(clean, row) : row}
        </Text>
      ))}
    </Box>
  );
}
