# Writes a synthetic backlog of touchpoints as JSON Lines, deterministic for the same inputs.
#   awk -v events=20000 -v contacts=2000 -v prefix=k -f scripts/lib/backlog.awk
# Contacts read FAQ, pricing and product pages, open mails and ask for demos over a few
# weeks, which is enough for the reference playbook to infer worry, price hesitation and
# choice overload and to act on them. About one event in a hundred is a move: a page view
# (at the contact's account by then) followed at once by a CRM update naming another
# account, so one batch holds the contact's events for two accounts. A move adds a line:
# the output has a little more than 'events' lines.
BEGIN {
    if (events == "") events = 20000
    if (contacts == "") contacts = 2000
    if (prefix == "") prefix = "k"
    split("faq faq pricing product faq checkout product pricing docs blog", pages, " ")
    industries[0] = "manufacturing"; industries[1] = "healthcare"; industries[2] = "software"
    for (i = 0; i < events; i++) {
        c = i % contacts
        day = 1 + int(i / contacts) % 27
        minute = (i * 7) % 600
        at = sprintf("2026-02-%02dT%02d:%02d:00Z", day, 8 + int(minute / 60), minute % 60)
        id = sprintf("%s%d", prefix, i)
        contact = sprintf("%s-c%d", prefix, c)
        if (i < contacts) {
            printf "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"identify\",\"at\":\"%s\",\"account\":\"%s-a%d\",\"props\":{\"industry\":\"%s\",\"company_size\":%d}}\n", \
                id, contact, at, prefix, c % 500, industries[c % 3], 20 + (c * 37) % 900
        } else if (i % 97 == 0) {
            printf "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"page_view\",\"at\":\"%s\",\"props\":{\"page_type\":\"pricing\",\"dwell_s\":90,\"device\":\"desktop\"}}\n", id, contact, at
            printf "{\"id\":\"%s-move\",\"contact\":\"%s\",\"type\":\"identify\",\"at\":\"%s\",\"account\":\"%s-a%d\",\"source\":\"crm\"}\n", \
                id, contact, at, prefix, (c + 250) % 500
        } else if (i % 17 == 0) {
            printf "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"form_submit\",\"at\":\"%s\",\"props\":{\"form\":\"demo_request\"}}\n", id, contact, at
        } else if (i % 5 == 0) {
            printf "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"email_open\",\"at\":\"%s\"}\n", id, contact, at
        } else {
            printf "{\"id\":\"%s\",\"contact\":\"%s\",\"type\":\"page_view\",\"at\":\"%s\",\"props\":{\"page_type\":\"%s\",\"dwell_s\":%d,\"device\":\"%s\"}}\n", \
                id, contact, at, pages[1 + i % 10], 20 + (i * 13) % 400, (i % 3 ? "desktop" : "mobile")
        }
    }
}
