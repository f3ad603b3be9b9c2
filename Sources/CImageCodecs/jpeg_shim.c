/* libjpeg-turbo shim: setjmp/longjmp stay inside this file (see CImageCodecs.h). */
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr pub;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int truncated;
    int too_many_scans;
    int max_scans;
    fdb_image_info *info;
} fdb_jpeg_context;

static void fdb_jpeg_error_exit(j_common_ptr cinfo) {
    fdb_jpeg_context *ctx = (fdb_jpeg_context *)cinfo->err;
    if (ctx->info) {
        ctx->info->library_code = ctx->pub.msg_code;
        char text[JMSG_LENGTH_MAX];
        (*cinfo->err->format_message)(cinfo, text);
        snprintf(ctx->info->message, sizeof ctx->info->message, "%s", text);
    }
    longjmp(ctx->jump, 1);
}

/* Warnings are not fatal (as in Pillow), except running out of data, which libjpeg papers over by
 * inserting an end-of-image marker: that is a truncated file. Nothing is printed. */
static void fdb_jpeg_emit_message(j_common_ptr cinfo, int level) {
    fdb_jpeg_context *ctx = (fdb_jpeg_context *)cinfo->err;
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) ctx->truncated = 1;
        cinfo->err->num_warnings++;
    }
}

static void fdb_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

/* Progressive files can hold thousands of tiny scans (a known denial-of-service); stop after max_scans. */
static void fdb_jpeg_progress(j_common_ptr cinfo) {
    fdb_jpeg_context *ctx = (fdb_jpeg_context *)cinfo->err;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (ctx->max_scans > 0 && d->input_scan_number > ctx->max_scans) {
        ctx->too_many_scans = 1;
        if (ctx->info) snprintf(ctx->info->message, sizeof ctx->info->message, "more than %d scans", ctx->max_scans);
        longjmp(ctx->jump, 1);
    }
}

static void fdb_jpeg_setup(struct jpeg_decompress_struct *cinfo, fdb_jpeg_context *ctx, fdb_image_info *info) {
    memset(ctx, 0, sizeof *ctx);
    ctx->info = info;
    cinfo->err = jpeg_std_error(&ctx->pub);
    ctx->pub.error_exit = fdb_jpeg_error_exit;
    ctx->pub.emit_message = fdb_jpeg_emit_message;
    ctx->pub.output_message = fdb_jpeg_output_message;
}

static int fdb_jpeg_failure(fdb_jpeg_context *ctx) {
    if (ctx->too_many_scans) return FDB_CODEC_TOO_LARGE;
    if (ctx->truncated || ctx->pub.msg_code == JERR_INPUT_EMPTY || ctx->pub.msg_code == JERR_INPUT_EOF)
        return FDB_CODEC_TRUNCATED;
    switch (ctx->pub.msg_code) {
    case JERR_OUT_OF_MEMORY: return FDB_CODEC_NO_MEMORY;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW: return FDB_CODEC_TOO_LARGE;
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL: return FDB_CODEC_UNSUPPORTED;
    default: return FDB_CODEC_CORRUPT;
    }
}

static void fdb_jpeg_fill_info(struct jpeg_decompress_struct *cinfo, fdb_image_info *info) {
    info->width = (int32_t)cinfo->image_width;
    info->height = (int32_t)cinfo->image_height;
    info->components = cinfo->num_components;
    info->detail = cinfo->progressive_mode ? 1 : 0;
}

int fdb_jpeg_info(const uint8_t *data, size_t size, fdb_image_info *info,
                  uint8_t *exif, size_t exif_capacity, size_t *exif_length) {
    struct jpeg_decompress_struct cinfo;
    fdb_jpeg_context ctx;
    memset(info, 0, sizeof *info);
    if (exif_length) *exif_length = 0;
    if (size == 0) return FDB_CODEC_TRUNCATED;
    fdb_jpeg_setup(&cinfo, &ctx, info);
    if (setjmp(ctx.jump)) {
        int status = fdb_jpeg_failure(&ctx);
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (exif) jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    if (ctx.truncated) {
        snprintf(info->message, sizeof info->message, "the data ends inside the header");
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_TRUNCATED;
    }
    fdb_jpeg_fill_info(&cinfo, info);
    if (exif && exif_length) {
        for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
            if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
                size_t n = m->data_length - 6;
                if (n > exif_capacity) n = exif_capacity;
                memcpy(exif, m->data + 6, n);
                *exif_length = n;
                break;
            }
        }
    }
    jpeg_destroy_decompress(&cinfo);
    return FDB_CODEC_OK;
}

/* Pillow's CMYK → RGB: with nk = 255 − K, channel = nk − MULDIV255(C, nk), MULDIV255(a, b) =
 * ((t >> 8) + t) >> 8 with t = a·b + 128 (Pillow's Convert.c, checked against Pillow 13 on all inputs). */
static inline uint8_t fdb_cmyk_channel(int c, int nk) {
    int t = c * nk + 128;
    int v = nk - (((t >> 8) + t) >> 8);
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

int fdb_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int32_t max_scans,
                    uint8_t *rgb, size_t rgb_size, fdb_image_info *info) {
    struct jpeg_decompress_struct cinfo;
    fdb_jpeg_context ctx;
    memset(info, 0, sizeof *info);
    if (size == 0) return FDB_CODEC_TRUNCATED;
    fdb_jpeg_setup(&cinfo, &ctx, info);
    ctx.max_scans = max_scans;
    if (setjmp(ctx.jump)) {
        int status = fdb_jpeg_failure(&ctx);
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    ctx.progress.progress_monitor = fdb_jpeg_progress;
    cinfo.progress = &ctx.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (ctx.truncated) {
        snprintf(info->message, sizeof info->message, "the data ends inside the header");
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_TRUNCATED;
    }
    fdb_jpeg_fill_info(&cinfo, info);
    uint64_t pixels = (uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height;
    if (pixels == 0 || pixels > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_TOO_LARGE;
    }
    if (rgb_size != pixels * 3) {
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_SIZE_CHANGED;
    }
    int components = cinfo.num_components;
    if (components == 1) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (components == 3) {
        cinfo.out_color_space = JCS_RGB;
    } else if (components == 4) {
        cinfo.out_color_space = JCS_CMYK; /* libjpeg turns YCCK into CMYK */
    } else {
        snprintf(info->message, sizeof info->message, "%d colour components", components);
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_UNSUPPORTED;
    }
    jpeg_start_decompress(&cinfo);
    const size_t width = cinfo.output_width;
    if ((uint64_t)cinfo.output_width * cinfo.output_height * 3 != rgb_size || cinfo.output_components != components) {
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_SIZE_CHANGED;
    }
    JSAMPARRAY row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE,
                                                (JDIMENSION)(width * (size_t)components), 1);
    while (cinfo.output_scanline < cinfo.output_height) {
        size_t y = cinfo.output_scanline;
        if (jpeg_read_scanlines(&cinfo, row, 1) != 1) break;
        uint8_t *out = rgb + y * width * 3;
        const JSAMPLE *in = row[0];
        if (components == 3) {
            memcpy(out, in, width * 3);
        } else if (components == 1) {
            for (size_t x = 0; x < width; x++) out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = in[x];
        } else {
            for (size_t x = 0; x < width; x++) {
                /* Pillow reads CMYK JPEGs as "CMYK;I" (Adobe's inverted polarity). */
                int nk = in[4 * x + 3]; /* 255 − (255 − stored K) */
                out[3 * x] = fdb_cmyk_channel(255 - in[4 * x], nk);
                out[3 * x + 1] = fdb_cmyk_channel(255 - in[4 * x + 1], nk);
                out[3 * x + 2] = fdb_cmyk_channel(255 - in[4 * x + 2], nk);
            }
        }
    }
    if (ctx.truncated || cinfo.output_scanline < cinfo.output_height) {
        snprintf(info->message, sizeof info->message, "the data ends after %u of %u rows",
                 cinfo.output_scanline, cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return FDB_CODEC_TRUNCATED;
    }
    /* All rows are out (a progressive file's scans were all read by jpeg_start_decompress). A
     * missing end-of-image marker after complete image data is tolerated, as Pillow does. */
    jpeg_abort_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return FDB_CODEC_OK;
}

/* A destination manager that grows one malloc'ed buffer (libjpeg's own jpeg_mem_dest loses track of
 * its buffer when compression fails part-way; this one is always freed). */
typedef struct {
    struct jpeg_destination_mgr pub;
    uint8_t *data;
    size_t capacity;
    size_t size;
} fdb_jpeg_destination;

static void fdb_jpeg_init_destination(j_compress_ptr cinfo) {
    fdb_jpeg_destination *dest = (fdb_jpeg_destination *)cinfo->dest;
    dest->pub.next_output_byte = dest->data;
    dest->pub.free_in_buffer = dest->capacity;
}

static boolean fdb_jpeg_empty_output_buffer(j_compress_ptr cinfo) {
    fdb_jpeg_destination *dest = (fdb_jpeg_destination *)cinfo->dest;
    size_t used = dest->capacity; /* the whole buffer is full when this is called */
    size_t capacity = dest->capacity * 2;
    uint8_t *grown = realloc(dest->data, capacity);
    if (!grown) ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
    dest->data = grown;
    dest->capacity = capacity;
    dest->pub.next_output_byte = grown + used;
    dest->pub.free_in_buffer = capacity - used;
    return TRUE;
}

static void fdb_jpeg_term_destination(j_compress_ptr cinfo) {
    fdb_jpeg_destination *dest = (fdb_jpeg_destination *)cinfo->dest;
    dest->size = dest->capacity - dest->pub.free_in_buffer;
}

int fdb_jpeg_encode_rgb(const uint8_t *rgb, int32_t width, int32_t height, int32_t quality,
                        uint8_t **out, size_t *out_size, fdb_image_info *info) {
    struct jpeg_compress_struct cinfo;
    fdb_jpeg_context ctx;
    fdb_jpeg_destination dest;
    memset(info, 0, sizeof *info);
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        snprintf(info->message, sizeof info->message, "a %dx%d image cannot be a JPEG", width, height);
        return FDB_CODEC_TOO_LARGE;
    }
    if (quality < 1 || quality > 100) {
        snprintf(info->message, sizeof info->message, "quality %d is not in 1...100", quality);
        return FDB_CODEC_UNSUPPORTED;
    }
    memset(&ctx, 0, sizeof ctx);
    memset(&dest, 0, sizeof dest);
    ctx.info = info;
    cinfo.err = jpeg_std_error(&ctx.pub);
    ctx.pub.error_exit = fdb_jpeg_error_exit;
    ctx.pub.emit_message = fdb_jpeg_emit_message;
    ctx.pub.output_message = fdb_jpeg_output_message;
    dest.capacity = 1 << 16;
    dest.data = malloc(dest.capacity);
    if (!dest.data) return FDB_CODEC_NO_MEMORY;
    if (setjmp(ctx.jump)) {
        int status = ctx.pub.msg_code == JERR_OUT_OF_MEMORY ? FDB_CODEC_NO_MEMORY : FDB_CODEC_CORRUPT;
        jpeg_destroy_compress(&cinfo);
        free(dest.data);
        return status;
    }
    jpeg_create_compress(&cinfo);
    dest.pub.init_destination = fdb_jpeg_init_destination;
    dest.pub.empty_output_buffer = fdb_jpeg_empty_output_buffer;
    dest.pub.term_destination = fdb_jpeg_term_destination;
    cinfo.dest = &dest.pub;
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    const size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = dest.data;
    *out_size = dest.size;
    return FDB_CODEC_OK;
}
