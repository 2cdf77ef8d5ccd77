/* html: the small toolkit the HTML reports of `map` and `explain --html` share — escaping
 * any text that came from a playbook or an event, the page frame with its inline CSS, and the
 * heat colour scale. Self-contained pages only: nothing is fetched from the network. */
#ifndef NURTURE_HTML_H
#define NURTURE_HTML_H

#include <stdio.h>

#define HTML_COLOR_MAX 8 /* "#rrggbb" and its terminator */

/* Writes 'text' (borrowed; NULL writes nothing) to 'out' with & < > " ' escaped, control
 * characters other than tab and newline dropped and bytes that are not well-formed UTF-8
 * replaced by U+FFFD, so that no playbook or event text can open a tag or break the page. */
void html_escape(FILE *out, const char *text);

/* Writes the doctype, head (charset, 'title' escaped, the shared CSS and 'css' verbatim —
 * a constant of the caller, never data) and the opening <body>. */
void html_begin(FILE *out, const char *title, const char *css);

/* Closes the body and the document. */
void html_end(FILE *out);

/* The heat colour of 'value' (clamped to [0, 1]): white to deep blue. Returns 1 when text on
 * it should be white. */
int html_heat_color(double value, char out[HTML_COLOR_MAX]);

#endif
