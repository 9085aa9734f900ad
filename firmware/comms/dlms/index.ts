/** DLMS-lite: A-XDR, WRAPPER, ACSE, xDLMS, COSEM classes, the server (the meter's object model and server set-up are in firmware/app). */
export * from "./axdr";
export * from "./wrapper";
export * from "./acse";
export * from "./xdlms";
export * from "./xdlms-pdu";
export * from "./stream";
export * from "./object-model";
export * from "./access-policy";
export * from "./classes";
export * from "./server";
export * from "./classes-tariff";
export * from "./classes-control";
export * from "./dlms-config";
