/** Source of random bytes (hardware RNG on the ESP32). */
export interface Random {
  fill(bytes: Uint8Array): void;
}
