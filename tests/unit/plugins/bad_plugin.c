/* Deliberately broken backend plugins for the loader tests, one per BAD_KIND (set by
 * CMakeLists.txt): each must be reported with its reason while the good plugins still load.
 * Nothing here can run a graph; the stubs only make the table complete. */
#include <string.h>

#include "braid/backend.h"

#define KIND_NO_ENTRY 1 /* exports no braid_backend_entry */
#define KIND_ABI99 2    /* claims ABI version 99 */
#define KIND_DECLINES 3 /* entry returns NULL for the host's version */
#define KIND_SMALL 4    /* struct_size too small to hold the v1 members */
#define KIND_PROBE_FAILS 5
#define KIND_UNUSABLE 6
#define KIND_MISNAMED 7 /* the table's name differs from the file's */
#define KIND_NO_OPEN 8  /* usable, high score, but every device_open fails */

static char g_error[128] = "";

static braid_status probe(braid_probe_result* out) {
  memset(out, 0, sizeof *out);
#if BAD_KIND == KIND_PROBE_FAILS
  strcpy(out->reason, "simulated driver failure");
  return BRAID_STATUS_DEVICE_ERROR;
#elif BAD_KIND == KIND_UNUSABLE
  strcpy(out->reason, "no simulated device here");
  return BRAID_STATUS_OK;
#else
  out->usable = 1;
#if BAD_KIND == KIND_NO_OPEN
  out->score = 1000; /* above every real backend (cpu 100), so `auto` tries it first */
#else
  out->score = 50;
#endif
  out->device_count = 1;
  strcpy(out->features, "nothing real");
  return BRAID_STATUS_OK;
#endif
}

static braid_status device_open(uint32_t index,
                                const braid_device_options* options,
                                braid_device_t** out) {
  (void)index;
  (void)options;
  *out = NULL;
  strcpy(g_error, "simulated open failure");
  return BRAID_STATUS_DEVICE_ERROR;
}
static void device_close(braid_device_t* device) { (void)device; }
static braid_status device_info(braid_device_t* device, braid_device_info* out) {
  (void)device;
  (void)out;
  return BRAID_STATUS_DEVICE_ERROR;
}
static const char* last_error(braid_device_t* device) {
  (void)device;
  return g_error;
}
static braid_status buffer_alloc(braid_device_t* d, uint64_t b, uint32_t u, braid_buffer_t** o) {
  (void)d, (void)b, (void)u, (void)o;
  return BRAID_STATUS_DEVICE_ERROR;
}
static void buffer_free(braid_device_t* d, braid_buffer_t* b) { (void)d, (void)b; }
static void* buffer_host_ptr(braid_device_t* d, braid_buffer_t* b) {
  (void)d, (void)b;
  return NULL;
}
static braid_status transfer(braid_device_t* d,
                             braid_buffer_t* b,
                             uint64_t o,
                             const void* s,
                             uint64_t n,
                             braid_stream_t* st) {
  (void)d, (void)b, (void)o, (void)s, (void)n, (void)st;
  return BRAID_STATUS_DEVICE_ERROR;
}
static braid_status download(
    braid_device_t* d, braid_buffer_t* b, uint64_t o, void* s, uint64_t n, braid_stream_t* st) {
  (void)d, (void)b, (void)o, (void)s, (void)n, (void)st;
  return BRAID_STATUS_DEVICE_ERROR;
}
static braid_status copy(braid_device_t* d,
                         braid_buffer_t* s,
                         uint64_t so,
                         braid_buffer_t* t,
                         uint64_t to,
                         uint64_t n,
                         braid_stream_t* st) {
  (void)d, (void)s, (void)so, (void)t, (void)to, (void)n, (void)st;
  return BRAID_STATUS_DEVICE_ERROR;
}
static braid_status stream_create(braid_device_t* d, braid_stream_t** o) {
  (void)d, (void)o;
  return BRAID_STATUS_DEVICE_ERROR;
}
static void stream_destroy(braid_device_t* d, braid_stream_t* s) { (void)d, (void)s; }
static braid_status synchronize(braid_device_t* d, braid_stream_t* s) {
  (void)d, (void)s;
  return BRAID_STATUS_DEVICE_ERROR;
}
static int32_t supports_op(braid_device_t* d, const braid_graph_desc* g, uint32_t n) {
  (void)d, (void)g, (void)n;
  return 0;
}
static braid_status compile(braid_device_t* d, const braid_graph_desc* g, braid_compiled_t** o) {
  (void)d, (void)g, (void)o;
  return BRAID_STATUS_DEVICE_ERROR;
}
static braid_status run(braid_device_t* d, braid_compiled_t* c, braid_stream_t* s) {
  (void)d, (void)c, (void)s;
  return BRAID_STATUS_DEVICE_ERROR;
}
static void graph_free(braid_device_t* d, braid_compiled_t* c) { (void)d, (void)c; }

static const braid_backend_v1 kTable = {
#if BAD_KIND == KIND_ABI99
    99u,
#else
    BRAID_BACKEND_ABI_VERSION,
#endif
#if BAD_KIND == KIND_SMALL
    16u,
#else
    sizeof(braid_backend_v1),
#endif
#if BAD_KIND == KIND_MISNAMED
    "other",
#else
    BAD_NAME,
#endif
    "0.0-test",    probe,           device_open, device_close, device_info,
    last_error,    buffer_alloc,    NULL, /* buffer_wrap_host: optional */
    buffer_free,   buffer_host_ptr, transfer,    download,     copy,
    stream_create, stream_destroy,  synchronize, supports_op,  compile,
    run,           graph_free,      NULL,        NULL,
};

#if BAD_KIND == KIND_NO_ENTRY
BRAID_BACKEND_EXPORT const braid_backend_v1* braid_backend_entry_misspelled(uint32_t host) {
  (void)host;
  return &kTable;
}
#else
BRAID_BACKEND_EXPORT const braid_backend_v1* braid_backend_entry(uint32_t host_abi_version) {
#if BAD_KIND == KIND_DECLINES
  return host_abi_version == 12345u ? &kTable : NULL; /* never the host's version */
#else
  (void)host_abi_version;
  return &kTable;
#endif
}
#endif
