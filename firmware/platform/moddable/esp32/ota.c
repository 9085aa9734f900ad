/*
 * ESP-IDF's app rollback state for the meter's FirmwareSlots adapter on the ESP32
 * (firmware/platform/moddable/firmware-slots.ts), bound to JavaScript by the manifest's "ffi"
 * section (platforms.esp32). The other rollback calls are ESP-IDF functions bound directly:
 * esp_ota_mark_app_valid_cancel_rollback, esp_ota_mark_app_invalid_rollback_and_reboot and
 * esp_restart. The boot loader's half of the rollback needs CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
 * (partitions/sdkconfig.defaults: the manifest's SDKCONFIGPATH).
 *
 * Not compiled or run on a board by this project yet: checked only against ESP-IDF v6.0's headers
 * with the host compiler (docs/readme/firmware-update.md).
 */
#include <stdint.h>
#include "esp_ota_ops.h"

int32_t meter_ota_pending_verify(void);

/* 1 when the running image is a trial start (state ESP_OTA_IMG_PENDING_VERIFY), else 0. */
int32_t meter_ota_pending_verify(void)
{
	esp_ota_img_states_t state;
	const esp_partition_t *running = esp_ota_get_running_partition();
	if (running == NULL)
		return 0;
	if (esp_ota_get_state_partition(running, &state) != ESP_OK)
		return 0;
	return state == ESP_OTA_IMG_PENDING_VERIFY ? 1 : 0;
}
