/*
 * A TLS client socket in C for the meter's consumer interface (MQTT over TLS), bound to
 * JavaScript by the manifest's "ffi" section (firmware/platform/moddable/native-tls.ts polls it).
 *
 * Why C: the SDK's TLS stack runs in XS and needs about 262,144 B + 16,384 slots, four times the
 * ESP32 creation the meter runs in. Here the TLS state and its buffers live in the C heap, and the
 * blocking parts (connect, handshake, record I/O) run on a thread of their own, so the XS thread
 * (the metering tick) never waits on the network: JavaScript only copies bytes in and out of two
 * rings under a mutex.
 *
 * One source, two back ends:
 * - ESP_PLATFORM (the ESP32 build): ESP-IDF's esp-tls over lwIP, the thread a pthread (FreeRTOS
 *   task) with its own stack. NOT COMPILED FOR OR RUN ON AN ESP32 BY THIS PROJECT YET: checked only
 *   against ESP-IDF v6.0's headers with the host compiler (docs/readme/mqtt.md).
 * - otherwise (the lin build, mcsim): Mbed TLS 2.28 or 3.x over POSIX sockets (Debian's
 *   libmbedtls-dev), which is what the broker tests run in mcsim.
 *
 * Handles are small integers (slots); a closed slot is freed by whichever side finishes last.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define METER_TLS_SLOTS 2
#define METER_TLS_RX 2048
#define METER_TLS_TX 2048
#define METER_TLS_POLL_MS 20
#define METER_TLS_CONNECT_MS 10000
#define METER_TLS_STACK 8192

/* States reported to JavaScript. Errors are negative: the back end's code, or one of these. */
#define METER_TLS_CONNECTING 0
#define METER_TLS_OPEN 1
#define METER_TLS_CLOSED 2
#define METER_TLS_ERR_NO_SLOT (-1)
#define METER_TLS_ERR_NO_MEMORY (-2)
#define METER_TLS_ERR_ARGUMENT (-3)
#define METER_TLS_ERR_THREAD (-4)
/* A back end's read: the peer closed (not a state: the connection becomes METER_TLS_CLOSED). */
#define METER_TLS_EOF (-0x10000)

typedef struct MeterTlsBackend MeterTlsBackend;

typedef struct {
	pthread_mutex_t lock;
	int state;
	int stop;
	int jsClosed;
	int threadDone;
	char host[64];
	char serverName[64];
	int port;
	unsigned char *ca;
	size_t caLength;
	unsigned char rx[METER_TLS_RX];
	size_t rxHead, rxCount;
	unsigned char tx[METER_TLS_TX];
	size_t txHead, txCount;
	MeterTlsBackend *backend;
} MeterTls;

static MeterTls *gSlots[METER_TLS_SLOTS];
static pthread_mutex_t gSlotsLock = PTHREAD_MUTEX_INITIALIZER;

/* The back end: connect (blocking, bounded by METER_TLS_CONNECT_MS), read with a short timeout
 * (returns 0 when nothing came), write (bytes written, or a negative error), close and free. */
static int backendConnect(MeterTls *t);
static int backendRead(MeterTls *t, unsigned char *buffer, size_t length);
static int backendWrite(MeterTls *t, const unsigned char *buffer, size_t length);
static void backendClose(MeterTls *t);

#ifdef ESP_PLATFORM
/* ---------- ESP32: ESP-IDF's esp-tls ---------- */
#include <sys/socket.h>
#include <sys/time.h>
#include "esp_tls.h"

struct MeterTlsBackend {
	esp_tls_t *tls;
};

static int backendConnect(MeterTls *t)
{
	MeterTlsBackend *b = calloc(1, sizeof(MeterTlsBackend));
	if (!b)
		return METER_TLS_ERR_NO_MEMORY;
	t->backend = b;
	b->tls = esp_tls_init();
	if (!b->tls)
		return METER_TLS_ERR_NO_MEMORY;
	esp_tls_cfg_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.cacert_buf = t->ca;
	cfg.cacert_bytes = (unsigned int)t->caLength;
	cfg.common_name = t->serverName;
	cfg.timeout_ms = METER_TLS_CONNECT_MS;
	int ret = esp_tls_conn_new_sync(t->host, (int)strlen(t->host), t->port, &cfg, b->tls);
	if (ret != 1)
		return -0x7000;
	int fd = -1;
	if (esp_tls_get_conn_sockfd(b->tls, &fd) == ESP_OK && fd >= 0) {
		struct timeval tv = { 0, METER_TLS_POLL_MS * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return 0;
}

static int backendRead(MeterTls *t, unsigned char *buffer, size_t length)
{
	ssize_t n = esp_tls_conn_read(t->backend->tls, buffer, length);
	if (n > 0)
		return (int)n;
	if (n == 0)
		return METER_TLS_EOF;
	if (n == ESP_TLS_ERR_SSL_WANT_READ || n == ESP_TLS_ERR_SSL_WANT_WRITE)
		return 0;
	return (int)n;
}

static int backendWrite(MeterTls *t, const unsigned char *buffer, size_t length)
{
	ssize_t n = esp_tls_conn_write(t->backend->tls, buffer, length);
	if (n == ESP_TLS_ERR_SSL_WANT_READ || n == ESP_TLS_ERR_SSL_WANT_WRITE)
		return 0;
	return (int)n;
}

static void backendClose(MeterTls *t)
{
	MeterTlsBackend *b = t->backend;
	if (!b)
		return;
	if (b->tls)
		esp_tls_conn_destroy(b->tls);
	free(b);
	t->backend = NULL;
}

#else
/* ---------- lin (mcsim): Mbed TLS over POSIX sockets ---------- */
#include <stdio.h>
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "mbedtls/asn1.h"
#include <arpa/inet.h>

struct MeterTlsBackend {
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

static int backendConnect(MeterTls *t)
{
	MeterTlsBackend *b = calloc(1, sizeof(MeterTlsBackend));
	if (!b)
		return METER_TLS_ERR_NO_MEMORY;
	t->backend = b;
	mbedtls_net_init(&b->net);
	mbedtls_ssl_init(&b->ssl);
	mbedtls_ssl_config_init(&b->conf);
	mbedtls_x509_crt_init(&b->ca);
	mbedtls_entropy_init(&b->entropy);
	mbedtls_ctr_drbg_init(&b->drbg);
	int ret;
	if ((ret = mbedtls_ctr_drbg_seed(&b->drbg, mbedtls_entropy_func, &b->entropy, (const unsigned char *)"dlms-lite-mqtt", 14)) != 0)
		return ret;
	if ((ret = mbedtls_x509_crt_parse_der(&b->ca, t->ca, t->caLength)) != 0)
		return ret;
	if ((ret = mbedtls_ssl_config_defaults(&b->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
		return ret;
	mbedtls_ssl_conf_authmode(&b->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&b->conf, &b->ca, NULL);
	mbedtls_ssl_conf_rng(&b->conf, mbedtls_ctr_drbg_random, &b->drbg);
	mbedtls_ssl_conf_read_timeout(&b->conf, METER_TLS_POLL_MS);
	if ((ret = mbedtls_ssl_setup(&b->ssl, &b->conf)) != 0)
		return ret;
	/* Mbed TLS 2.x matches a name only against dNSName (and the CN): a broker named by its IPv4
	 * address is checked against the certificate's iPAddress entries after the handshake. */
	struct in_addr ip;
	int byAddress = inet_pton(AF_INET, t->serverName, &ip) == 1;
	if ((ret = mbedtls_ssl_set_hostname(&b->ssl, byAddress ? NULL : t->serverName)) != 0)
		return ret;
	char port[8];
	snprintf(port, sizeof(port), "%d", t->port);
	if ((ret = mbedtls_net_connect(&b->net, t->host, port, MBEDTLS_NET_PROTO_TCP)) != 0)
		return ret;
	mbedtls_ssl_set_bio(&b->ssl, &b->net, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
	/* The handshake's reads time out every METER_TLS_POLL_MS; give up after METER_TLS_CONNECT_MS. */
	for (int waited = 0; (ret = mbedtls_ssl_handshake(&b->ssl)) != 0; waited += METER_TLS_POLL_MS) {
		if (ret != MBEDTLS_ERR_SSL_TIMEOUT && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			return ret;
		if (waited >= METER_TLS_CONNECT_MS || t->stop)
			return MBEDTLS_ERR_SSL_TIMEOUT;
	}
	if (byAddress) {
		const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&b->ssl);
		const mbedtls_x509_sequence *san = peer ? &peer->subject_alt_names : NULL;
		int found = 0;
		for (; san && !found; san = san->next)
			found = san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == 4 && memcmp(san->buf.p, &ip, 4) == 0;
		if (!found)
			return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
	}
	return 0;
}

static int backendRead(MeterTls *t, unsigned char *buffer, size_t length)
{
	int n = mbedtls_ssl_read(&t->backend->ssl, buffer, length);
	if (n > 0)
		return n;
	if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
		return METER_TLS_EOF;
	if (n == MBEDTLS_ERR_SSL_TIMEOUT || n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	return n;
}

static int backendWrite(MeterTls *t, const unsigned char *buffer, size_t length)
{
	int n = mbedtls_ssl_write(&t->backend->ssl, buffer, length);
	if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
		return 0;
	return n;
}

static void backendClose(MeterTls *t)
{
	MeterTlsBackend *b = t->backend;
	if (!b)
		return;
	if (t->state == METER_TLS_OPEN)
		mbedtls_ssl_close_notify(&b->ssl);
	mbedtls_net_free(&b->net);
	mbedtls_ssl_free(&b->ssl);
	mbedtls_ssl_config_free(&b->conf);
	mbedtls_x509_crt_free(&b->ca);
	mbedtls_ctr_drbg_free(&b->drbg);
	mbedtls_entropy_free(&b->entropy);
	free(b);
	t->backend = NULL;
}
#endif

/* ---------- the thread and the rings (both builds) ---------- */

static void meterTlsFree(MeterTls *t)
{
	pthread_mutex_destroy(&t->lock);
	free(t->ca);
	free(t);
}

static void setState(MeterTls *t, int state)
{
	pthread_mutex_lock(&t->lock);
	if (t->state == METER_TLS_CONNECTING || t->state == METER_TLS_OPEN)
		t->state = state;
	pthread_mutex_unlock(&t->lock);
}

static void *meterTlsThread(void *refcon)
{
	MeterTls *t = refcon;
	unsigned char chunk[512];
	int ret = backendConnect(t);
	setState(t, ret == 0 ? METER_TLS_OPEN : (ret < 0 ? ret : -ret));
	while (ret == 0) {
		/* Send what JavaScript queued, one contiguous piece at a time. */
		pthread_mutex_lock(&t->lock);
		int stop = t->stop;
		size_t n = t->txCount;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (n > METER_TLS_TX - t->txHead)
			n = METER_TLS_TX - t->txHead;
		memcpy(chunk, t->tx + t->txHead, n);
		size_t room = METER_TLS_RX - t->rxCount;
		pthread_mutex_unlock(&t->lock);
		if (stop)
			break;
		if (n > 0) {
			int written = backendWrite(t, chunk, n);
			if (written < 0) {
				setState(t, written);
				break;
			}
			pthread_mutex_lock(&t->lock);
			t->txHead = (t->txHead + (size_t)written) % METER_TLS_TX;
			t->txCount -= (size_t)written;
			pthread_mutex_unlock(&t->lock);
		}
		/* Receive while the ring has room (a reader that stops reading stops the peer: TCP's window). */
		if (room == 0) {
			struct timespec pause = { 0, METER_TLS_POLL_MS * 1000000L };
			nanosleep(&pause, NULL);
			continue;
		}
		if (room > sizeof(chunk))
			room = sizeof(chunk);
		int got = backendRead(t, chunk, room);
		if (got < 0) {
			setState(t, got == METER_TLS_EOF ? METER_TLS_CLOSED : got);
			break;
		}
		pthread_mutex_lock(&t->lock);
		for (int i = 0; i < got; i++)
			t->rx[(t->rxHead + t->rxCount + (size_t)i) % METER_TLS_RX] = chunk[i];
		t->rxCount += (size_t)got;
		pthread_mutex_unlock(&t->lock);
	}
	backendClose(t);
	pthread_mutex_lock(&t->lock);
	int free_ = t->jsClosed;
	t->threadDone = 1;
	pthread_mutex_unlock(&t->lock);
	if (free_)
		meterTlsFree(t);
	return NULL;
}

static MeterTls *slot(int32_t handle)
{
	if (handle < 0 || handle >= METER_TLS_SLOTS)
		return NULL;
	return gSlots[handle];
}

int32_t meter_tls_open(char *host, int32_t port, void *ca, int32_t caLength, char *serverName);
int32_t meter_tls_state(int32_t handle);
int32_t meter_tls_readable(int32_t handle);
int32_t meter_tls_read(int32_t handle, void *buffer, int32_t offset, int32_t length);
int32_t meter_tls_writable(int32_t handle);
int32_t meter_tls_write(int32_t handle, void *buffer, int32_t offset, int32_t length);
void meter_tls_close(int32_t handle);

/* Starts a connection to host:port (numeric IPv4) trusting the DER certificate `ca` for serverName. */
int32_t meter_tls_open(char *host, int32_t port, void *ca, int32_t caLength, char *serverName)
{
	if (!host || !serverName || !ca || caLength <= 0 || port <= 0 || port > 65535 || strlen(host) >= 64 || strlen(serverName) >= 64)
		return METER_TLS_ERR_ARGUMENT;
	pthread_mutex_lock(&gSlotsLock);
	int32_t handle = -1;
	for (int32_t i = 0; i < METER_TLS_SLOTS; i++)
		if (!gSlots[i]) {
			handle = i;
			break;
		}
	if (handle < 0) {
		pthread_mutex_unlock(&gSlotsLock);
		return METER_TLS_ERR_NO_SLOT;
	}
	MeterTls *t = calloc(1, sizeof(MeterTls));
	unsigned char *copy = t ? malloc((size_t)caLength) : NULL;
	if (!t || !copy) {
		free(t);
		pthread_mutex_unlock(&gSlotsLock);
		return METER_TLS_ERR_NO_MEMORY;
	}
	memcpy(copy, ca, (size_t)caLength);
	t->ca = copy;
	t->caLength = (size_t)caLength;
	strcpy(t->host, host);
	strcpy(t->serverName, serverName);
	t->port = port;
	t->state = METER_TLS_CONNECTING;
	pthread_mutex_init(&t->lock, NULL);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, METER_TLS_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t thread;
	int ret = pthread_create(&thread, &attr, meterTlsThread, t);
	pthread_attr_destroy(&attr);
	if (ret != 0) {
		meterTlsFree(t);
		pthread_mutex_unlock(&gSlotsLock);
		return METER_TLS_ERR_THREAD;
	}
	gSlots[handle] = t;
	pthread_mutex_unlock(&gSlotsLock);
	return handle;
}

int32_t meter_tls_state(int32_t handle)
{
	MeterTls *t = slot(handle);
	if (!t)
		return METER_TLS_ERR_ARGUMENT;
	pthread_mutex_lock(&t->lock);
	int32_t state = t->state;
	/* Bytes received before the peer closed are still delivered. */
	if (state != METER_TLS_CONNECTING && state != METER_TLS_OPEN && t->rxCount > 0)
		state = METER_TLS_OPEN;
	pthread_mutex_unlock(&t->lock);
	return state;
}

int32_t meter_tls_readable(int32_t handle)
{
	MeterTls *t = slot(handle);
	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	int32_t n = (int32_t)t->rxCount;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int32_t meter_tls_read(int32_t handle, void *buffer, int32_t offset, int32_t length)
{
	MeterTls *t = slot(handle);
	if (!t || !buffer || offset < 0 || length < 0)
		return 0;
	unsigned char *out = (unsigned char *)buffer + offset;
	pthread_mutex_lock(&t->lock);
	size_t n = t->rxCount < (size_t)length ? t->rxCount : (size_t)length;
	for (size_t i = 0; i < n; i++)
		out[i] = t->rx[(t->rxHead + i) % METER_TLS_RX];
	t->rxHead = (t->rxHead + n) % METER_TLS_RX;
	t->rxCount -= n;
	pthread_mutex_unlock(&t->lock);
	return (int32_t)n;
}

int32_t meter_tls_writable(int32_t handle)
{
	MeterTls *t = slot(handle);
	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	int32_t n = t->state == METER_TLS_OPEN ? (int32_t)(METER_TLS_TX - t->txCount) : 0;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int32_t meter_tls_write(int32_t handle, void *buffer, int32_t offset, int32_t length)
{
	MeterTls *t = slot(handle);
	if (!t || !buffer || offset < 0 || length < 0)
		return 0;
	const unsigned char *in = (const unsigned char *)buffer + offset;
	pthread_mutex_lock(&t->lock);
	size_t room = t->state == METER_TLS_OPEN ? METER_TLS_TX - t->txCount : 0;
	size_t n = room < (size_t)length ? room : (size_t)length;
	for (size_t i = 0; i < n; i++)
		t->tx[(t->txHead + t->txCount + i) % METER_TLS_TX] = in[i];
	t->txCount += n;
	pthread_mutex_unlock(&t->lock);
	return (int32_t)n;
}

/* Stops the connection; its thread sends close_notify and frees everything (or this does, if it already ended). */
void meter_tls_close(int32_t handle)
{
	pthread_mutex_lock(&gSlotsLock);
	MeterTls *t = slot(handle);
	if (t)
		gSlots[handle] = NULL;
	pthread_mutex_unlock(&gSlotsLock);
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = 1;
	t->jsClosed = 1;
	int done = t->threadDone;
	pthread_mutex_unlock(&t->lock);
	if (done)
		meterTlsFree(t);
}
