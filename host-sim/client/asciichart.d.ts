/** The part of asciichart (which ships no types) the client uses. */
declare module "asciichart" {
  export function plot(series: number[] | number[][], config?: { height?: number; offset?: number; padding?: string; format?: (x: number, i: number) => string; min?: number; max?: number }): string;
}
