/* libpng shim: setjmp/longjmp stay inside this file (see CImageCodecs.h). */
#include "CImageCodecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int truncated;
    fdb_image_info *info;
} fdb_png_source;

static void fdb_png_read(png_structp png, png_bytep out, size_t length) {
    fdb_png_source *src = (fdb_png_source *)png_get_io_ptr(png);
    if (length > src->size - src->offset) {
        src->truncated = 1;
        png_error(png, "the data ends early");
    }
    memcpy(out, src->data + src->offset, length);
    src->offset += length;
}

static void fdb_png_error(png_structp png, png_const_charp message) {
    fdb_png_source *src = (fdb_png_source *)png_get_error_ptr(png);
    if (src && src->info) snprintf(src->info->message, sizeof src->info->message, "%s", message);
    png_longjmp(png, 1);
}

static void fdb_png_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static int fdb_png_begin(png_structp *png, png_infop *pinfo, fdb_png_source *src) {
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src, fdb_png_error, fdb_png_warning);
    if (!*png) return FDB_CODEC_NO_MEMORY;
    *pinfo = png_create_info_struct(*png);
    if (!*pinfo) {
        png_destroy_read_struct(png, NULL, NULL);
        return FDB_CODEC_NO_MEMORY;
    }
    png_set_read_fn(*png, src, fdb_png_read);
    /* The caller's pixel limit is applied after the header; lift libpng's own 1e6-per-side cap. */
    png_set_user_limits(*png, 0x7fffffff, 0x7fffffff);
    return FDB_CODEC_OK;
}

static void fdb_png_fill_info(png_structp png, png_infop pinfo, fdb_image_info *info) {
    info->width = (int32_t)png_get_image_width(png, pinfo);
    info->height = (int32_t)png_get_image_height(png, pinfo);
    info->components = png_get_color_type(png, pinfo);
    info->detail = png_get_bit_depth(png, pinfo);
}

int fdb_png_info(const uint8_t *data, size_t size, fdb_image_info *info,
                 uint8_t *exif, size_t exif_capacity, size_t *exif_length) {
    memset(info, 0, sizeof *info);
    if (exif_length) *exif_length = 0;
    fdb_png_source src = {data, size, 0, 0, info};
    png_structp png;
    png_infop pinfo;
    int status = fdb_png_begin(&png, &pinfo, &src);
    if (status != FDB_CODEC_OK) return status;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        return src.truncated ? FDB_CODEC_TRUNCATED : FDB_CODEC_CORRUPT;
    }
    png_read_info(png, pinfo);
    fdb_png_fill_info(png, pinfo, info);
    png_uint_32 count = 0;
    png_bytep payload = NULL;
    if (exif && exif_length && png_get_eXIf_1(png, pinfo, &count, &payload) && payload) {
        size_t n = count;
        /* Some writers keep JPEG's "Exif\0\0" prefix in the chunk; Pillow skips it too. */
        if (n >= 6 && memcmp(payload, "Exif\0\0", 6) == 0) {
            payload += 6;
            n -= 6;
        }
        if (n > exif_capacity) n = exif_capacity;
        memcpy(exif, payload, n);
        *exif_length = n;
    }
    png_destroy_read_struct(&png, &pinfo, NULL);
    return FDB_CODEC_OK;
}

int fdb_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                   uint8_t *rgb, size_t rgb_size, fdb_image_info *info) {
    memset(info, 0, sizeof *info);
    fdb_png_source src = {data, size, 0, 0, info};
    png_structp png;
    png_infop pinfo;
    int status = fdb_png_begin(&png, &pinfo, &src);
    if (status != FDB_CODEC_OK) return status;
    /* Written between setjmp and a possible longjmp: volatile, freed in the handler. */
    uint8_t *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(buffer);
        free(rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return src.truncated ? FDB_CODEC_TRUNCATED : FDB_CODEC_CORRUPT;
    }
    png_read_info(png, pinfo);
    fdb_png_fill_info(png, pinfo, info);
    png_uint_32 width = png_get_image_width(png, pinfo), height = png_get_image_height(png, pinfo);
    int color = png_get_color_type(png, pinfo), depth = png_get_bit_depth(png, pinfo);
    uint64_t pixels = (uint64_t)width * height;
    if (pixels == 0 || pixels > max_pixels) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        return FDB_CODEC_TOO_LARGE;
    }
    if (rgb_size != pixels * 3) {
        png_destroy_read_struct(&png, &pinfo, NULL);
        return FDB_CODEC_SIZE_CHANGED;
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    int channels = png_get_channels(png, pinfo);
    int out_depth = png_get_bit_depth(png, pinfo);
    size_t rowbytes = png_get_rowbytes(png, pinfo);
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16) ||
        rowbytes != (size_t)width * channels * (out_depth / 8)) {
        snprintf(info->message, sizeof info->message, "unexpected layout after expansion");
        png_destroy_read_struct(&png, &pinfo, NULL);
        return FDB_CODEC_UNSUPPORTED;
    }
    buffer = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!buffer || !rows) {
        free(buffer);
        free(rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return FDB_CODEC_NO_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = buffer + (size_t)y * rowbytes;
    png_read_image(png, rows);
    /* Gray without alpha at 16 bits: Pillow's I;16 mode, whose RGB conversion clips to 255. */
    int clip16 = out_depth == 16 && color == PNG_COLOR_TYPE_GRAY;
    int step = out_depth / 8;
    for (png_uint_32 y = 0; y < height; y++) {
        const uint8_t *in = rows[y];
        uint8_t *out = rgb + (size_t)y * width * 3;
        for (png_uint_32 x = 0; x < width; x++) {
            const uint8_t *p = in + (size_t)x * channels * step;
            uint8_t r, g, b;
            if (channels <= 2) { /* gray, gray + alpha */
                if (clip16) {
                    unsigned v = ((unsigned)p[0] << 8) | p[1];
                    r = (uint8_t)(v > 255 ? 255 : v);
                } else {
                    r = p[0]; /* 8-bit sample, or the high byte of a 16-bit one */
                }
                g = b = r;
            } else {
                r = p[0];
                g = p[step];
                b = p[2 * step];
            }
            out[3 * x] = r;
            out[3 * x + 1] = g;
            out[3 * x + 2] = b;
        }
    }
    free(buffer);
    free(rows);
    buffer = NULL;
    rows = NULL;
    png_destroy_read_struct(&png, &pinfo, NULL);
    return FDB_CODEC_OK;
}

int fdb_png_encode_rgb(const uint8_t *rgb, int32_t width, int32_t height, uint8_t **out, size_t *out_size,
                       fdb_image_info *info) {
    memset(info, 0, sizeof *info);
    *out = NULL;
    *out_size = 0;
    if (width <= 0 || height <= 0) return FDB_CODEC_CORRUPT;
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, rgb, 0, NULL)) {
        snprintf(info->message, sizeof info->message, "%s", image.message);
        png_image_free(&image);
        return FDB_CODEC_CORRUPT;
    }
    uint8_t *buffer = malloc(size);
    if (!buffer) return FDB_CODEC_NO_MEMORY;
    if (!png_image_write_to_memory(&image, buffer, &size, 0, rgb, 0, NULL)) {
        snprintf(info->message, sizeof info->message, "%s", image.message);
        png_image_free(&image);
        free(buffer);
        return FDB_CODEC_CORRUPT;
    }
    *out = buffer;
    *out_size = size;
    return FDB_CODEC_OK;
}

void fdb_free(void *pointer) { free(pointer); }
