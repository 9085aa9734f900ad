/**
 * HT1621 serial interface facts (Holtek HT1621 datasheet): frames start with CS low and a
 * 3-bit mode id; data is latched on the rising edge of WR.
 *   command mode: 100, then one or more 9-bit commands C8..C0 (C0 is "don't care", sent 0);
 *   write mode:   101, then the 6-bit address A5..A0 (MSB first), then 4-bit data D0..D3
 *                 (LSB first, D0 = COM0) for that address and each following one (auto-increment).
 */
import { deepFreeze } from "../../kernel/freeze";
export const HT1621_MODE = deepFreeze({ read: 0b110, write: 0b101, readModifyWrite: 0b101, command: 0b100 } as const);

/** Commands as 9-bit values C8..C0. */
export const HT1621_CMD = deepFreeze({
  SYS_DIS: 0b0000_0000_0,
  SYS_EN: 0b0000_0001_0,
  LCD_OFF: 0b0000_0010_0,
  LCD_ON: 0b0000_0011_0,
  TIMER_DIS: 0b0000_0100_0,
  WDT_DIS: 0b0000_0101_0,
  TIMER_EN: 0b0000_0110_0,
  WDT_EN: 0b0000_0111_0,
  TONE_OFF: 0b0000_1000_0,
  TONE_ON: 0b0000_1001_0,
  XTAL_32K: 0b0001_0100_0,
  RC_256K: 0b0001_1000_0,
  EXT_256K: 0b0001_1100_0,
  /** BIAS 1/3, 4 commons: 0010-abX1-X with ab = 10. */
  BIAS_THIRD_4COM: 0b0010_1001_0,
  /** BIAS 1/2, 4 commons. */
  BIAS_HALF_4COM: 0b0010_1000_0,
  IRQ_DIS: 0b1000_0000_0,
  NORMAL: 0b1110_0011_0,
} as const);

export const HT1621_RAM_ADDRESSES = 32;
