#include "CIsal.h"

#if defined(__linux__) && defined(__has_include)
#if __has_include(<isa-l/igzip_lib.h>) && __has_include(<isa-l/crc.h>)
#define LVZHI_WITH_ISAL 1
#endif
#endif

/* CRC-32 a bit at a time, where ISA-L is not there (callers use zlib's then; this keeps the
   function's answer right whoever calls it). */
static uint32_t lvzhi_crc32_portable(uint32_t crc, const uint8_t *bytes, uint64_t count) {
    crc = ~crc;
    for (uint64_t i = 0; i < count; i++) {
        crc ^= bytes[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

#ifdef LVZHI_WITH_ISAL
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l/igzip_lib.h>

/* The library is opened by its soname (the ABI these headers describe), never linked: a
   machine without it still builds and runs lvzhi. */
static void (*isal_init)(struct isal_zstream *);
static int (*isal_set_dict)(struct isal_zstream *, uint8_t *, uint32_t);
static int (*isal_run)(struct isal_zstream *);
static uint32_t (*isal_crc)(uint32_t, const unsigned char *, uint64_t);
static int isal_loaded;
static pthread_once_t isal_once = PTHREAD_ONCE_INIT;

static void isal_load(void) {
    void *h = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    *(void **)&isal_init = dlsym(h, "isal_deflate_init");
    *(void **)&isal_set_dict = dlsym(h, "isal_deflate_set_dict");
    *(void **)&isal_run = dlsym(h, "isal_deflate");
    *(void **)&isal_crc = dlsym(h, "crc32_gzip_refl");
    isal_loaded = isal_init && isal_set_dict && isal_run && isal_crc;
}

int lvzhi_isal_available(void) {
    pthread_once(&isal_once, isal_load);
    return isal_loaded;
}

/* Each thread keeps its stream and level buffer (a few hundred KiB): allocated for every block,
   they were fresh pages to fault in and clear a thousand times a run. */
struct isal_scratch {
    struct isal_zstream stream;
    uint8_t *level_buf;
    uint32_t level_size;
};
static pthread_key_t isal_scratch_key;
static pthread_once_t isal_key_once = PTHREAD_ONCE_INIT;

static void isal_scratch_free(void *p) {
    struct isal_scratch *s = p;
    free(s->level_buf);
    free(s);
}

static void isal_make_key(void) { pthread_key_create(&isal_scratch_key, isal_scratch_free); }

static struct isal_scratch *isal_scratch(uint32_t level_size) {
    pthread_once(&isal_key_once, isal_make_key);
    struct isal_scratch *s = pthread_getspecific(isal_scratch_key);
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        if (pthread_setspecific(isal_scratch_key, s) != 0) { free(s); return NULL; }
    }
    if (s->level_size < level_size) {
        uint8_t *b = realloc(s->level_buf, level_size);
        if (!b) return NULL;
        s->level_buf = b;
        s->level_size = level_size;
    }
    return s;
}

static uint32_t level_buffer_size(int level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}

long lvzhi_isal_deflate(const uint8_t *dictionary, uint32_t dictionaryCount,
                        const uint8_t *input, uint32_t count,
                        uint8_t *output, uint32_t capacity, int level) {
    if (!lvzhi_isal_available() || level < 0 || level > 3 || dictionaryCount > ISAL_DEF_HIST_SIZE) return -1;
    uint32_t size = level_buffer_size(level);
    struct isal_scratch *scratch = isal_scratch(size);
    if (!scratch) return -1;
    struct isal_zstream *s = &scratch->stream;
    isal_init(s);
    s->level = (uint32_t)level;
    s->level_buf = size ? scratch->level_buf : NULL;
    s->level_buf_size = size;
    s->gzip_flag = IGZIP_DEFLATE;
    s->flush = SYNC_FLUSH;
    s->end_of_stream = 0;
    if (dictionaryCount > 0 && isal_set_dict(s, (uint8_t *)dictionary, dictionaryCount) != COMP_OK) return -1;
    s->next_in = (uint8_t *)input;
    s->avail_in = count;
    s->next_out = output;
    s->avail_out = capacity;
    /* One call deflates everything it can; it stops early only when the output is full. */
    if (isal_run(s) != COMP_OK) return -1;
    if (s->avail_in != 0 || s->avail_out == 0 || s->internal_state.state != ZSTATE_NEW_HDR) return -1;
    long produced = (long)(capacity - s->avail_out);
    /* A sync flush ends with an empty stored block: 00 00 FF FF (checked apart from the
       struct's layout, which the library at run time might not share with these headers). */
    if (produced < 4 || output[produced - 4] != 0 || output[produced - 3] != 0 || output[produced - 2] != 0xFF || output[produced - 1] != 0xFF) return -1;
    return produced;
}

uint32_t lvzhi_isal_crc32(uint32_t crc, const uint8_t *bytes, uint64_t count) {
    if (!lvzhi_isal_available()) return lvzhi_crc32_portable(crc, bytes, count);
    return isal_crc(crc, bytes, count);
}

#else

int lvzhi_isal_available(void) { return 0; }

long lvzhi_isal_deflate(const uint8_t *dictionary, uint32_t dictionaryCount,
                        const uint8_t *input, uint32_t count,
                        uint8_t *output, uint32_t capacity, int level) {
    (void)dictionary; (void)dictionaryCount; (void)input; (void)count; (void)output; (void)capacity; (void)level;
    return -1;
}

uint32_t lvzhi_isal_crc32(uint32_t crc, const uint8_t *bytes, uint64_t count) {
    return lvzhi_crc32_portable(crc, bytes, count);
}

#endif
