export * from "./data-notification";
export * from "./push-setup";
export * from "./push-client";
export * from "./push-object";
