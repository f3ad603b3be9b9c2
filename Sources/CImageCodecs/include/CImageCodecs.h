/* FaceDB's C shims over libjpeg-turbo and libpng (Debian: libjpeg62-turbo-dev, libpng-dev).
 *
 * Both libraries report fatal errors by calling an error handler that must not return. Here that
 * handler longjmps to a setjmp that lives in the same C function that called the library, so no
 * longjmp ever crosses a Swift frame: every function below returns a status code instead. */
#ifndef FACEDB_CIMAGECODECS_H
#define FACEDB_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/* Status codes returned by every function (stable: Swift switches on them, never on text). */
enum {
    FDB_CODEC_OK = 0,
    FDB_CODEC_TRUNCATED = 1,   /* the data ends before the image does */
    FDB_CODEC_CORRUPT = 2,     /* the data is not a valid image of this format */
    FDB_CODEC_UNSUPPORTED = 3, /* valid, but a variant this shim does not decode */
    FDB_CODEC_TOO_LARGE = 4,   /* more pixels than allowed, or a size that overflows */
    FDB_CODEC_NO_MEMORY = 5,   /* an allocation failed */
    FDB_CODEC_SIZE_CHANGED = 6 /* the output buffer does not match the image (caller error) */
};

/* What a header read found. */
typedef struct {
    int32_t width;
    int32_t height;
    /* JPEG: components in the file (1, 3 or 4); PNG: the PNG colour type. */
    int32_t components;
    /* JPEG: 1 progressive; PNG: bit depth. */
    int32_t detail;
    /* The library's numeric message code of the failure (libjpeg's msg_code), or 0. For diagnosis. */
    int32_t library_code;
    /* The library's own message for the failure, for the error's `cause` field only. */
    char message[200];
} fdb_image_info;

/* Reads a JPEG's header. If `exif` is not NULL, copies the payload of the first APP1 "Exif\0\0"
 * segment (after those 6 bytes, at most `exif_capacity` bytes) and sets *exif_length (else 0). */
int fdb_jpeg_info(const uint8_t *data, size_t size, fdb_image_info *info,
                  uint8_t *exif, size_t exif_capacity, size_t *exif_length);

/* Decodes a JPEG into `rgb` (width × height × 3 bytes, row-major R, G, B), as Pillow's
 * `Image.open(f).convert("RGB")` does: gray is replicated, CMYK/YCCK is taken as Adobe-inverted CMYK
 * and converted with Pillow's formula. Fails with FDB_CODEC_TOO_LARGE above `max_pixels` pixels
 * (checked before anything is allocated) and after `max_scans` progressive scans. */
int fdb_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int32_t max_scans,
                    uint8_t *rgb, size_t rgb_size, fdb_image_info *info);

/* Reads a PNG's header (and the eXIf chunk when it precedes the image data). */
int fdb_png_info(const uint8_t *data, size_t size, fdb_image_info *info,
                 uint8_t *exif, size_t exif_capacity, size_t *exif_length);

/* Decodes a PNG into `rgb` as Pillow's `convert("RGB")` does: palette looked up, alpha dropped
 * (not composited), 1/2/4-bit gray scaled to 8 bits, 16-bit samples reduced to their high byte
 * except 16-bit gray without alpha, which is clipped to 255 (Pillow's I;16 → RGB). */
int fdb_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                   uint8_t *rgb, size_t rgb_size, fdb_image_info *info);

/* Encodes an 8-bit RGB image as PNG with libpng's simplified API (no setjmp needed). On success
 * returns FDB_CODEC_OK and a malloc'ed buffer in *out (free it with fdb_free) of *out_size bytes. */
int fdb_png_encode_rgb(const uint8_t *rgb, int32_t width, int32_t height, uint8_t **out, size_t *out_size,
                       fdb_image_info *info);

/* Encodes an 8-bit RGB image (width × height × 3 bytes, row-major R, G, B) as a baseline JPEG with
 * libjpeg's defaults (4:2:0 chroma subsampling) at `quality` (1…100). On success returns FDB_CODEC_OK
 * and a malloc'ed buffer in *out (free it with fdb_free) of *out_size bytes; a libjpeg failure is
 * caught with setjmp/longjmp inside the function and returned as a status, its text in info. */
int fdb_jpeg_encode_rgb(const uint8_t *rgb, int32_t width, int32_t height, int32_t quality,
                        uint8_t **out, size_t *out_size, fdb_image_info *info);

/* Frees a buffer returned by this shim. */
void fdb_free(void *pointer);

#endif
