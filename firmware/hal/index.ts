export type { Board } from "./board";
export type { Clock, TimerId } from "./clock";
export type { Crypto } from "./crypto";
export type { DigitalIn, DigitalOut } from "./digital";
export type { Flash } from "./flash";
export type { Log } from "./log";
export type { Random } from "./random";
export type { Spi } from "./spi";
export type { Network, TcpListener, TcpSocket } from "./tcp";
