/** DLMS-lite: A-XDR, WRAPPER, ACSE, xDLMS, COSEM classes, the meter's object model, the server. */
export * from "./axdr";
export * from "./wrapper";
export * from "./acse";
export * from "./xdlms";
export * from "./xdlms-pdu";
export * from "./stream";
export * from "./object-model";
export * from "./classes";
export * from "../../app/meter-objects";
export * from "./server";
export * from "../../app/meter-server";
export * from "./classes-tariff";
export * from "./classes-control";
