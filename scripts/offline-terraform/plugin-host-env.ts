/** `<port>:<token>` of the runner's plugin host (plugin-host.ts), read by host-client.bash: Terraform passes its environment through to plugins. */
export const PLUGIN_HOST_ENV = "OFFLINE_TF_PLUGIN_HOST";
