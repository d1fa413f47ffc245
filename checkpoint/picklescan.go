package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// maxIntBytes bounds the integers a state dict pickle may hold: shapes,
// strides, offsets and element counts all fit in 8 bytes (LONG1, LONG4)
// or 20 decimal digits and a sign (INT, LONG). gopickle decodes longer
// ones into big.Int in quadratic time (a 4 MiB LONG4 takes minutes).
const (
	maxIntBytes  = 8
	maxIntDigits = 21
)

// checkPickle walks the opcodes of a pickle up to STOP and checks that every
// length-prefixed argument fits in data. The unpickler allocates a buffer of
// the declared length before reading, so without this check a corrupt length
// could make it allocate gigabytes. Integers longer than a state dict needs
// are refused (see maxIntBytes).
func checkPickle(data []byte) error {
	i := 0
	need := func(n uint64) error {
		if n > uint64(len(data)-i) {
			return fmt.Errorf("corrupt pickle: argument at byte %d runs past the end (%d bytes)", i, len(data))
		}
		return nil
	}
	for i < len(data) {
		op := data[i]
		i++
		var fixed int // bytes of fixed-size argument
		lenBytes := 0 // bytes of a little-endian length, followed by that many bytes
		lines := 0    // newline-terminated arguments
		switch op {
		case '.': // STOP
			return nil
		case '(', '0', '1', '2', 'N', 'Q', 'R', 'a', 'b', 'd', '}', 'e', 'l', ']', 'o', 's', 't', ')', 'u',
			0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x97, 0x98:
		case 0x80, 'K', 'h', 'q', 0x82: // PROTO, BININT1, BINGET, BINPUT, EXT1
			fixed = 1
		case 'M', 0x83: // BININT2, EXT2
			fixed = 2
		case 'J', 'j', 'r', 0x84: // BININT, LONG_BINGET, LONG_BINPUT, EXT4
			fixed = 4
		case 'G', 0x95: // BINFLOAT, FRAME (the frame's opcodes follow inline)
			fixed = 8
		case 0x8a, 'U', 0x8c, 'C': // LONG1, SHORT_BINSTRING, SHORT_BINUNICODE, SHORT_BINBYTES
			lenBytes = 1
		case 0x8b, 'T', 'X', 'B': // LONG4, BINSTRING, BINUNICODE, BINBYTES
			lenBytes = 4
		case 0x8d, 0x8e, 0x96: // BINUNICODE8, BINBYTES8, BYTEARRAY8
			lenBytes = 8
		case 'I', 'L', 'F', 'S', 'V', 'g', 'p', 'P':
			lines = 1
		case 'c', 'i': // GLOBAL, INST
			lines = 2
		default:
			return fmt.Errorf("corrupt pickle: unknown opcode %#02x at byte %d", op, i-1)
		}
		if err := need(uint64(fixed)); err != nil {
			return err
		}
		if op == 0x95 { // FRAME: the unpickler allocates the frame's length first
			if n := binary.LittleEndian.Uint64(data[i:]); n > uint64(len(data)) || need(8+n) != nil {
				return fmt.Errorf("corrupt pickle: frame at byte %d runs past the end (%d bytes)", i-1, len(data))
			}
		}
		i += fixed
		if lenBytes > 0 {
			if err := need(uint64(lenBytes)); err != nil {
				return err
			}
			var n uint64
			switch lenBytes {
			case 1:
				n = uint64(data[i])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(data[i:]))
			case 8:
				n = binary.LittleEndian.Uint64(data[i:])
			}
			i += lenBytes
			if err := need(n); err != nil {
				return err
			}
			if (op == 0x8a || op == 0x8b) && n > maxIntBytes {
				return fmt.Errorf("corrupt pickle: integer of %d bytes at byte %d (LONG opcode), more than the %d a state dict needs", n, i-lenBytes-1, maxIntBytes)
			}
			i += int(n)
		}
		for range lines {
			j := bytes.IndexByte(data[i:], '\n')
			if j < 0 {
				return fmt.Errorf("corrupt pickle: unterminated argument at byte %d", i)
			}
			if (op == 'I' || op == 'L') && j > maxIntDigits+1 { // +1: LONG's trailing 'L'
				return fmt.Errorf("corrupt pickle: decimal integer of %d characters at byte %d, more than the %d a state dict needs", j, i-1, maxIntDigits)
			}
			i += j + 1
		}
	}
	return fmt.Errorf("corrupt pickle: no STOP opcode (truncated?)")
}
