/* png_ink: tells whether a PNG screenshot shows something. Decodes an 8-bit, non-interlaced
 * RGB or RGBA PNG (what headless Chromium writes) with zlib, then counts the pixels that are
 * not near-white and the distinct colours (quantised to 5 bits per channel).
 *   png_ink FILE [MIN_INK_PERMILLE [MIN_COLOURS]]     (defaults: 10 and 8)
 * Prints "WIDTHxHEIGHT ink=N permille colours=M" and exits 0 when both minimums are met, 1 when
 * the picture is (nearly) blank, 2 when the file is not a PNG it can read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *in = fopen(path, "rb");
    if (in == NULL)
        return NULL;
    unsigned char *data = NULL;
    size_t used = 0, room = 0, n;
    do {
        if (used == room) {
            room = room ? room * 2 : 1 << 16;
            unsigned char *grown = realloc(data, room);
            if (grown == NULL) {
                free(data);
                fclose(in);
                return NULL;
            }
            data = grown;
        }
        n = fread(data + used, 1, room - used, in);
        used += n;
    } while (n > 0);
    fclose(in);
    *size = used;
    return data;
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the per-row filters of 'raw' in place; returns 0, or -1 on an unknown filter. */
static int unfilter(unsigned char *raw, uint32_t width, uint32_t height, int channels) {
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        unsigned char *row = raw + y * (stride + 1);
        const unsigned char *up = y > 0 ? row - (stride + 1) + 1 : NULL;
        int filter = row[0];
        unsigned char *px = row + 1;
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)channels ? px[i - (size_t)channels] : 0;
            int b = up ? up[i] : 0;
            int c = up && i >= (size_t)channels ? up[i - (size_t)channels] : 0;
            switch (filter) {
            case 0: break;
            case 1: px[i] = (unsigned char)(px[i] + a); break;
            case 2: px[i] = (unsigned char)(px[i] + b); break;
            case 3: px[i] = (unsigned char)(px[i] + (a + b) / 2); break;
            case 4: px[i] = (unsigned char)(px[i] + paeth(a, b, c)); break;
            default: return -1;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 4) {
        fputs("usage: png_ink FILE [MIN_INK_PERMILLE [MIN_COLOURS]]\n", stderr);
        return 2;
    }
    long min_ink = argc > 2 ? strtol(argv[2], NULL, 10) : 10;
    long min_colours = argc > 3 ? strtol(argv[3], NULL, 10) : 8;
    size_t size;
    unsigned char *png = read_file(argv[1], &size);
    if (png == NULL || size < 33 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0 ||
        memcmp(png + 12, "IHDR", 4) != 0) {
        fprintf(stderr, "png_ink: %s: not a PNG\n", argv[1]);
        return 2;
    }
    uint32_t width = be32(png + 16), height = be32(png + 20);
    int depth = png[24], type = png[25], interlace = png[28];
    int channels = type == 2 ? 3 : type == 6 ? 4 : 0;
    if (depth != 8 || channels == 0 || interlace != 0 || width == 0 || height == 0 ||
        width > 20000 || height > 20000) {
        fprintf(stderr, "png_ink: %s: only 8-bit non-interlaced RGB or RGBA\n", argv[1]);
        return 2;
    }
    unsigned char *idat = malloc(size); /* the IDAT chunks joined: never longer than the file */
    size_t idat_size = 0;
    for (size_t at = 8; idat && at + 12 <= size;) {
        uint32_t length = be32(png + at);
        if (length > size - at - 12)
            break;
        if (memcmp(png + at + 4, "IDAT", 4) == 0) {
            memcpy(idat + idat_size, png + at + 8, length);
            idat_size += length;
        }
        at += 12 + (size_t)length;
    }
    uLongf raw_size = (uLongf)height * ((uLongf)width * (uLongf)channels + 1);
    unsigned char *raw = malloc(raw_size);
    if (idat == NULL || raw == NULL || uncompress(raw, &raw_size, idat, idat_size) != Z_OK ||
        raw_size != (uLongf)height * ((uLongf)width * (uLongf)channels + 1) ||
        unfilter(raw, width, height, channels) != 0) {
        fprintf(stderr, "png_ink: %s: cannot decode the image data\n", argv[1]);
        return 2;
    }
    static unsigned char seen[1 << 15];
    long colours = 0;
    uint64_t ink = 0;
    for (uint32_t y = 0; y < height; y++) {
        const unsigned char *px = raw + y * ((size_t)width * (size_t)channels + 1) + 1;
        for (uint32_t x = 0; x < width; x++, px += channels) {
            if (px[0] < 240 || px[1] < 240 || px[2] < 240)
                ink++;
            unsigned key = (unsigned)(px[0] >> 3) << 10 | (unsigned)(px[1] >> 3) << 5 | px[2] >> 3;
            colours += !seen[key];
            seen[key] = 1;
        }
    }
    long permille = (long)(ink * 1000 / ((uint64_t)width * height));
    printf("%ux%u ink=%ld permille colours=%ld\n", width, height, permille, colours);
    free(raw);
    free(idat);
    free(png);
    return permille >= min_ink && colours >= min_colours ? 0 : 1;
}
