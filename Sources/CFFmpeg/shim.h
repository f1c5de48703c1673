#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H

// The FFmpeg headers Custody uses, plus `static inline` helpers for what Swift cannot call
// directly: function-like macros (AVERROR), constants defined by macros, and a C callback.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/time.h>
#include <libswscale/swscale.h>

static inline int cffmpeg_averror_eof(void) { return AVERROR_EOF; }
static inline int cffmpeg_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int cffmpeg_averror_exit(void) { return AVERROR_EXIT; }
static inline int cffmpeg_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int cffmpeg_averror(int posix) { return AVERROR(posix); }
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int cffmpeg_time_base(void) { return AV_TIME_BASE; }
static inline int cffmpeg_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }
static inline int cffmpeg_pkt_flag_corrupt(void) { return AV_PKT_FLAG_CORRUPT; }

/// Silences FFmpeg's own logging: Custody reports problems in its own words.
static inline void cffmpeg_quiet(void) { av_log_set_level(AV_LOG_QUIET); }

/// A wall-clock deadline checked by FFmpeg during blocking I/O, so that a hostile or
/// pathological file cannot hang a probe.
typedef struct cffmpeg_deadline {
    int64_t deadline_us;   // av_gettime_relative() value after which I/O is interrupted; 0 = none
} cffmpeg_deadline;

static inline int cffmpeg_interrupt_cb(void *opaque) {
    const cffmpeg_deadline *d = (const cffmpeg_deadline *)opaque;
    return d != NULL && d->deadline_us > 0 && av_gettime_relative() > d->deadline_us;
}

static inline void cffmpeg_install_deadline(AVFormatContext *ctx, cffmpeg_deadline *d) {
    ctx->interrupt_callback.callback = cffmpeg_interrupt_cb;
    ctx->interrupt_callback.opaque = d;
}

static inline int cffmpeg_deadline_passed(const cffmpeg_deadline *d) {
    return cffmpeg_interrupt_cb((void *)d);
}

/// AVIndexEntry.size is a bit-field; read it in C.
static inline int64_t cffmpeg_index_entry_end(const AVIndexEntry *e) {
    return e->pos + (int64_t)e->size;
}

#endif
