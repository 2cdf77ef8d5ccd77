/* html: escaping, page frame and colours for the self-contained HTML reports. */
#include "engine/cli/html.h"

#include <stddef.h>

static const char BASE_CSS[] =
    "*{box-sizing:border-box}"
    "body{margin:16px 20px;color:#1d2433;background:#fff;font:13px/1.4 system-ui,-apple-system,"
    "'Segoe UI','Hiragino Sans','Hiragino Kaku Gothic ProN','Yu Gothic','Meiryo',"
    "'Noto Sans CJK JP','IPAGothic','IPAPGothic','VL Gothic',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "h1{font-size:20px;margin:0 0 2px}h2{font-size:15px;margin:18px 0 6px}"
    ".meta{color:#5b6475;margin:0 0 10px}.meta b{color:#1d2433}"
    "code{font:12px ui-monospace,'DejaVu Sans Mono',monospace;color:#3b4456}"
    ".note{background:#f5f7fa;border-left:3px solid #8da2c0;padding:8px 12px;margin:12px 0;"
    "max-width:1100px}.note p{margin:4px 0}.muted{color:#7a8394}"
    "@page{size:A4 landscape;margin:10mm}"
    "@media print{body{margin:0;font-size:10px}.noprint{display:none}"
    "h2{break-after:avoid}table,section,figure{break-inside:avoid}}";

/* Returns the length of the well-formed UTF-8 sequence at 's', or 0. */
static size_t utf8_length(const unsigned char *s) {
    size_t n;
    unsigned min;
    unsigned cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, min = 0x80, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, min = 0x800, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void html_escape(FILE *out, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (s != NULL && *s != '\0') {
        switch (*s) {
        case '&': fputs("&amp;", out); s++; continue;
        case '<': fputs("&lt;", out); s++; continue;
        case '>': fputs("&gt;", out); s++; continue;
        case '"': fputs("&quot;", out); s++; continue;
        case '\'': fputs("&#39;", out); s++; continue;
        default: break;
        }
        if (*s < 0x20 || *s == 0x7f) {
            if (*s == '\n' || *s == '\t')
                fputc(*s, out);
            s++;
            continue;
        }
        size_t n = utf8_length(s);
        if (n == 0) {
            fputs("\xef\xbf\xbd", out);
            s++;
        } else {
            fwrite(s, 1, n, out);
            s += n;
        }
    }
}

void html_begin(FILE *out, const char *title, const char *css) {
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>",
          out);
    html_escape(out, title);
    fprintf(out, "</title>\n<style>%s%s</style>\n</head>\n<body>\n", BASE_CSS, css ? css : "");
}

void html_end(FILE *out) { fputs("</body>\n</html>\n", out); }

int html_heat_color(double value, char out[HTML_COLOR_MAX]) {
    static const unsigned char LOW[3] = {0xf4, 0xf7, 0xfb}, HIGH[3] = {0x0b, 0x3d, 0x91};
    if (!(value > 0.0))
        value = 0.0;
    if (value > 1.0)
        value = 1.0;
    unsigned rgb[3];
    for (int i = 0; i < 3; i++)
        rgb[i] = (unsigned)(LOW[i] + (HIGH[i] - LOW[i]) * value + 0.5);
    snprintf(out, HTML_COLOR_MAX, "#%02x%02x%02x", rgb[0] & 0xff, rgb[1] & 0xff, rgb[2] & 0xff);
    return value > 0.5;
}
