// A QR code drawn with half blocks in explicit bright-white on black (see services/qr.ts), so it
// scans on dark and light terminal themes alike. Renders nothing when it does not fit: the caller
// shows a one-line note instead.
import {Box} from 'ink';
import {Text} from '../../components/Text.js';
import {useMemo} from 'react';
import {QR_COLOURS, qrLines} from '../../../services/qr.js';

export function useQrLines(text: string | undefined): string[] {
  return useMemo(() => (text ? qrLines(text) : []), [text]);
}

export function QrCode({lines}: {lines: string[]}) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      {lines.map((line, i) => (
        <Text key={i} color={QR_COLOURS.foreground} backgroundColor={QR_COLOURS.background}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
