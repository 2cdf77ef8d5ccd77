/* playbook_lua: loads a playbook folder into one sandboxed Lua 5.4 state and evaluates its
 * rules. The only file that includes lua.h. The sandbox is built from an allow list (base
 * without loaders, string, table, math, utf8); rule files load as text only; every call runs
 * under an instruction budget and the state under a memory cap. */
#include "engine/core/playbook.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "engine/core/account.h"
#include "engine/core/clock.h"
#include "engine/core/hash.h"
#include "engine/core/strmap.h"

#define MEMORY_LIMIT_BYTES (64u * 1024 * 1024)
#define INSTRUCTION_BUDGET 1000000 /* per rule call */
#define HOOK_EVERY 1000            /* instructions between budget checks */
#define DEFAULT_HALF_LIFE_MS (14LL * 86400 * 1000)
#define DEFAULT_COOLDOWN_MS (7LL * 86400 * 1000) /* no repeat of a content within a week */
#define MAX_FILE_BYTES (4 * 1024 * 1024)

/* The groups of rule kinds per-type lists are kept for: each kind alone, and infer with
 * advance, which run together in declaration order. */
#define ON_GROUPS (RULE_KIND_COUNT + 1)
#define MIND_AND_STAGE ((1u << RULE_INFER) | (1u << RULE_ADVANCE))

static const char *const DEFAULT_STAGES[] = {
    "unaware",    "problem_aware", "interested", "researching", "evaluating",
    "purchasing", "onboarding",    "retained",   "advocate",
};

typedef struct {
    char *name;
    size_t name_length; /* strlen(name): lookups compare lengths before bytes */
    int64_t half_life_ms;
    /* The last read of the state through c.mind or c.account_mind. The act rules of one
     * touchpoint read the same few states over and over, and a value changes only with its
     * mind (its version) or the time. */
    const mind_t *read_mind; /* NULL: no read yet */
    uint64_t read_version;   /* read_mind->version at that read */
    int64_t read_at_ms;
    const mind_state_t *read_state; /* NULL: the mind had no such state */
    double read_value;
} state_def_t;

/* A remembered lookup of a declared state by the address of the name a rule read it with. */
typedef struct {
    const char *name;
    state_def_t *def;
} declared_hit_t;

#define DECLARED_HITS 64 /* a power of two well over the states a playbook declares */
#define ANCHORED_NAME_MAX 40 /* bytes: Lua's short strings, one object per content */

struct playbook {
    lua_State *L;
    size_t memory_used;
    long budget_left; /* instructions left in the current call */
    char version[17];

    char **stages;
    int stage_count;
    int stages_declared; /* set once a file calls stages{} */
    int is_loaded; /* every file has run: a declaration now would move records rules use */
    char *stages_file;
    int stages_line;

    state_def_t *states;
    int state_count;
    declared_hit_t declared_hits[DECLARED_HITS]; /* see find_declared_cached */
    int name_anchors_ref; /* a table keeping the names in 'declared_hits' from collection */
    content_t *contents;
    int content_count;
    rule_t *rules;
    int rule_count;
    playbook_test_t *tests;
    int test_count;
    playbook_hours_t hours;
    const rule_t **by_kind[RULE_KIND_COUNT]; /* pointers into 'rules', per kind, in order */
    int by_kind_count[RULE_KIND_COUNT];
    /* The rules that can fire on each touchpoint type (see index_by_type): for each kind
     * group (ON_GROUPS) and each type some rule's `on` names (slot 0: any other type), the
     * rules of the group whose `on` is that type or unset, in order. */
    strmap_t on_types; /* type -> slot (intptr_t, from 1) */
    int on_type_count;
    const rule_t **on_rules[ON_GROUPS]; /* per group: 'on_type_count' + 1 runs of rules */
    int *on_start[ON_GROUPS];          /* per group and slot: the run's start; one more: end */
    /* The act rules of each slot's run that apply in each stage (see index_act_by_stage):
     * 'stage_count' runs per slot; NULL with more than 64 stages. */
    const rule_t **act_by_stage;
    int *act_stage_start; /* per slot and stage: the run's start; one more: end */
    /* The touchpoint fields some rule's `where` names, each looked up once per run (see
     * fits_where): name -> slot (intptr_t, from 1), and per slot the field found in the
     * current run's touchpoint and the run it was looked up for. */
    strmap_t where_fields;
    const cJSON **where_found;
    uint64_t *where_run;
    uint64_t run_count; /* playbook_run_lists calls so far */

    /* The evaluation in progress, read by the contact, mind, facts and event userdata. */
    contact_t *contact;
    const event_t *event;
    account_t *account; /* the contact's account, or NULL (its rows are read when asked) */
    playbook_reads_t *reads;

    /* Registry references of the proxies a rule gets as arguments and of the table of the
     * current event's fields the event proxy reads through. */
    int contact_proxy_ref, event_proxy_ref, event_fields_ref;
    uint64_t event_serial; /* the event whose fields the table of fields holds; 0: none */
    struct rule_run *run;  /* the playbook_run_rules call in progress, or NULL */
};

/* Registry keys of the reused proxies: one userdata each, created once per state. */
#define CONTACT_META "nurture.contact"
#define MIND_META "nurture.mind"
#define FACTS_META "nurture.facts"
#define ACCOUNT_FACTS_META "nurture.account_facts"
#define ACCOUNT_MIND_META "nurture.account_mind"
#define EVENT_META "nurture.event"

/* ---- small helpers ---------------------------------------------------------------------- */

/* The playbook is kept in the state's extra space (see playbook_load) as well as with its
 * allocator: read there without a call, by every function a rule calls. */
static playbook_t *from_state(lua_State *L) {
    playbook_t *pb;
    memcpy(&pb, lua_getextraspace(L), sizeof pb);
    return pb;
}

static char *copy_string(lua_State *L, const char *text) {
    char *copy = strdup(text);
    if (copy == NULL)
        luaL_error(L, "out of memory");
    return copy;
}

/* Appends one element to a growing array, raising a Lua error when out of memory. */
static void *grow(lua_State *L, void *array, int count, size_t size) {
    if ((count & (count - 1)) == 0) { /* at 0, 1, 2, 4, 8, ... double the room */
        array = realloc(array, (size_t)(count ? count * 2 : 1) * size);
        if (array == NULL)
            luaL_error(L, "out of memory");
    }
    return array;
}

/* ---- allocator and budget --------------------------------------------------------------- */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    playbook_t *pb = ud;
    size_t old = ptr ? osize : 0; /* with a NULL pointer, osize is a type tag */
    if (nsize == 0) {
        pb->memory_used -= old;
        free(ptr);
        return NULL;
    }
    if (nsize > old && pb->memory_used + (nsize - old) > MEMORY_LIMIT_BYTES)
        return NULL;
    void *fresh = realloc(ptr, nsize);
    if (fresh == NULL)
        /* A shrink that finds no memory keeps the larger block (counted at its old size,
         * so the count errs high) rather than have Lua raise a memory error for giving
         * memory back. */
        return nsize <= old ? ptr : NULL;
    pb->memory_used = pb->memory_used - old + nsize;
    return fresh;
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    playbook_t *pb = from_state(L);
    pb->budget_left -= HOOK_EVERY;
    if (pb->budget_left < 0) {
        /* From now on the hook fires at every instruction: a rule that catches this with its
         * own pcall is stopped again at the first instruction after the pcall returns. With
         * the count left at HOOK_EVERY, a loop around pcall would be caught inside the pcall
         * every time and never end. */
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
        luaL_where(L, 0);
        lua_pushfstring(L, "%sinstruction budget of %d exceeded", lua_tostring(L, -1),
                        INSTRUCTION_BUDGET);
        lua_error(L);
    }
}

/* Gives the next call a fresh budget, checked every HOOK_EVERY instructions. */
static void arm_budget(playbook_t *pb) {
    pb->budget_left = INSTRUCTION_BUDGET;
    lua_sethook(pb->L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

/* ---- sandbox ---------------------------------------------------------------------------- */

/* setmetatable that refuses __gc: finalizers run with hooks off and could loop forever. */
static int safe_setmetatable(lua_State *L) {
    if (lua_istable(L, 2) && lua_getfield(L, 2, "__gc") != LUA_TNIL)
        return luaL_error(L, "metatables with __gc are not allowed in playbooks");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* A rule may catch its own errors, but not the end of its budget: pcall and xpcall pass a
 * budget error on. Otherwise `return pcall(loop)`, a tail call, ends the rule with a result,
 * and a message handler would run inside the hook's error, with hooks off, unstoppable. */
static int safe_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (status != LUA_OK && from_state(L)->budget_left < 0)
        return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* xpcall runs its message handler after the error has unwound (see safe_pcall). The handler
 * sees the error but not the stack it came from, which rules cannot inspect anyway. */
static int safe_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_remove(L, 2);
    lua_insert(L, 1); /* handler, function, arguments */
    if (lua_pcall(L, n - 2, LUA_MULTRET, 0) == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 1);
        return lua_gettop(L);
    }
    if (from_state(L)->budget_left < 0)
        return lua_error(L);
    lua_pcall(L, 1, 1, 0); /* handler(error), or the handler's own error */
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* The count hook never runs inside a C function, so the C functions of the string and table
 * libraries whose running time a rule chooses through its arguments are guarded: each guard
 * checks the arguments, then runs the real function (upvalue 1) in its own call frame, so
 * errors name the rule's line. That is sound because no function of lstrlib.c or ltablib.c
 * reads its upvalues. */
#define MATCH_SUBJECT_MAX (64 * 1024) /* bytes of a string searched by find, match, ... */
#define MATCH_PATTERN_MAX 256         /* bytes of a pattern */
#define MATCH_STEPS_MAX 1e8           /* worst-case matcher steps: well under a second */
#define REP_RESULT_MAX (1024 * 1024)  /* bytes of a string.rep result */
#define TABLE_SHIFT_MAX (1 << 20)     /* elements table.insert, remove and move may shift */

static int call_guarded(lua_State *L) { return lua_tocfunction(L, lua_upvalueindex(1))(L); }

/* Returns the index just past the set whose '[' is at 'i' - 1, the way lstrlib's classEnd
 * reads it; 'len' when it is not closed (the real function then reports the pattern). */
static size_t set_end(const char *p, size_t i, size_t len) {
    if (i < len && p[i] == '^')
        i++;
    do {
        if (i >= len)
            return len;
        if (p[i++] == '%' && i < len)
            i++;
    } while (i < len && p[i] != ']');
    return i < len ? i + 1 : len;
}

/* Bounds the steps of Lua's backtracking matcher for pattern 'p' on a subject of 'n' bytes:
 * each '*', '+', '-', '%b' and back-reference may go over the whole subject for every
 * position the items before it tried, each '?' doubles, and a search that is not anchored
 * starts again at every position. */
static double match_steps(const char *p, size_t len, size_t n, int can_anchor) {
    double positions = (double)n + 1, steps = positions;
    size_t i = 0;
    if (can_anchor && len > 0 && p[0] == '^')
        steps = 1, i = 1;
    while (i < len) {
        size_t end = i + 1;
        if (p[i] == '(' || p[i] == ')') {
            i++;
            continue;
        }
        if (p[i] == '%' && i + 1 < len && p[i + 1] == 'f') {
            i = i + 2 < len && p[i + 2] == '[' ? set_end(p, i + 3, len) : len;
            continue;
        }
        int is_balance = p[i] == '%' && i + 1 < len && p[i + 1] == 'b';
        int is_capture = p[i] == '%' && i + 1 < len && p[i + 1] >= '0' && p[i + 1] <= '9';
        if (is_balance || is_capture) {
            steps *= positions;
            i += is_balance ? 4 : 2;
            continue;
        }
        if (p[i] == '%')
            end = i + 2;
        else if (p[i] == '[')
            end = set_end(p, i + 1, len);
        if (end < len && (p[end] == '*' || p[end] == '+' || p[end] == '-'))
            steps *= positions, end++;
        else if (end < len && p[end] == '?')
            steps *= 2, end++;
        i = end;
    }
    return steps;
}

/* string.find, match, gmatch and gsub (upvalue 2: the name): refuses a subject or a pattern
 * over its cap, and a pattern whose worst case on this subject is over MATCH_STEPS_MAX. */
static int guarded_match(lua_State *L) {
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    size_t subject_len, pattern_len;
    luaL_checklstring(L, 1, &subject_len);
    const char *pattern = luaL_checklstring(L, 2, &pattern_len);
    if (subject_len > MATCH_SUBJECT_MAX)
        return luaL_error(L, "string.%s: a subject of %d bytes is over the limit of %d in rules",
                          name, (int)subject_len, MATCH_SUBJECT_MAX);
    if (pattern_len > MATCH_PATTERN_MAX)
        return luaL_error(L, "string.%s: a pattern of %d bytes is over the limit of %d in rules",
                          name, (int)pattern_len, MATCH_PATTERN_MAX);
    int is_plain = strcmp(name, "find") == 0 && lua_toboolean(L, 4);
    int can_anchor = strcmp(name, "gmatch") != 0; /* gmatch reads '^' as a plain character */
    if (!is_plain && match_steps(pattern, pattern_len, subject_len, can_anchor) > MATCH_STEPS_MAX)
        return luaL_error(L,
                          "string.%s: the pattern could take too long on a subject of %d bytes "
                          "(anchor it with '^', repeat fewer items or shorten the subject)",
                          name, (int)subject_len);
    return call_guarded(L);
}

/* string.rep: a result over REP_RESULT_MAX is refused before the copy loop (which a repeated
 * empty string would keep busy for ever); one the memory cap could never hold is refused as
 * a memory error, as the cap itself would. */
static int guarded_rep(lua_State *L) {
    size_t len, sep_len;
    luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &sep_len);
    if (n <= 0 || len + sep_len == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    double size = (double)len * (double)n + (double)sep_len * (double)(n - 1);
    if (size > MEMORY_LIMIT_BYTES) {
        lua_pushliteral(L, "not enough memory"); /* lua_error raises it as LUA_ERRMEM */
        return lua_error(L);
    }
    if (size > REP_RESULT_MAX)
        return luaL_error(L, "string.rep: a result of %d bytes is over the limit of %d in rules",
                          (int)size, REP_RESULT_MAX);
    return call_guarded(L);
}

/* table.insert, remove and move (upvalue 2: the name) shift elements over a length the rule
 * chooses (a __len metamethod, move's range): refuse more than TABLE_SHIFT_MAX. */
static int guarded_shift(lua_State *L) {
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    lua_Unsigned count = 0;
    if (strcmp(name, "move") == 0) {
        lua_Integer first = luaL_checkinteger(L, 2), last = luaL_checkinteger(L, 3);
        if (last >= first)
            count = (lua_Unsigned)last - (lua_Unsigned)first + 1;
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_Integer len = luaL_len(L, 1);
        count = len > 0 ? (lua_Unsigned)len : 0;
    }
    if (count > TABLE_SHIFT_MAX)
        return luaL_error(L, "table.%s: more than %d elements in rules", name, TABLE_SHIFT_MAX);
    return call_guarded(L);
}

/* Replaces field 'name' of the table on top of the stack with 'guard' around it. */
static void guard_function(lua_State *L, const char *name, lua_CFunction guard) {
    lua_getfield(L, -1, name);
    lua_pushstring(L, name);
    lua_pushcclosure(L, guard, 2);
    lua_setfield(L, -2, name);
}

/* Guards the real string table, which every string reaches through its metatable even
 * where 'string' is not in scope, and locks that metatable. */
static void harden_string(lua_State *L) {
    static const char *const matchers[] = {"find", "match", "gmatch", "gsub", NULL};
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    for (int i = 0; matchers[i]; i++)
        guard_function(L, matchers[i], guarded_match);
    guard_function(L, "rep", guarded_rep);
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* getmetatable("") is false: nothing to change */
    lua_pop(L, 2);
}

static void harden_table(lua_State *L) {
    static const char *const shifters[] = {"insert", "remove", "move", NULL};
    lua_getglobal(L, "table");
    for (int i = 0; shifters[i]; i++)
        guard_function(L, shifters[i], guarded_shift);
    lua_pop(L, 1);
}

/* Opens the allow list of libraries and takes out of it whatever loads code, reaches files or
 * the process, or runs unhooked for as long as a rule likes. io, os, debug, package and
 * coroutine are never opened, so nothing a rule can rawset into _G gives them back. */
static void open_sandbox(lua_State *L) {
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    static const char *const removed[] = {"dofile", "loadfile", "load",  "require",
                                          "collectgarbage", "print", "warn", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    harden_string(L);
    harden_table(L);
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, safe_setmetatable, 1);
    lua_setglobal(L, "setmetatable");    lua_pushcfunction(L, safe_pcall);
    lua_setglobal(L, "pcall");
    lua_pushcfunction(L, safe_xpcall);
    lua_setglobal(L, "xpcall");
}

/* ---- reading declarations --------------------------------------------------------------- */

/* Raises "file:line: message" pointing at the declaration being run; never returns (Lua's
 * error jumps out), which the compiler and the analyzers are told so they follow the flow. */
static void decl_error(lua_State *L, const char *fmt, const char *arg) __attribute__((noreturn));

static void decl_error(lua_State *L, const char *fmt, const char *arg) {
    luaL_where(L, 1);
    lua_pushfstring(L, fmt, arg);
    lua_concat(L, 2);
    lua_error(L);
    abort(); /* not reached: lua_error does not return */
}

static void check_fields(lua_State *L, int table, const char *what, const char *const *allowed) {
    lua_pushnil(L);
    while (lua_next(L, table)) {
        lua_pop(L, 1);
        int known = 0;
        if (lua_type(L, -1) == LUA_TSTRING)
            for (int i = 0; allowed[i] && !known; i++)
                known = strcmp(lua_tostring(L, -1), allowed[i]) == 0;
        if (!known) {
            lua_pushfstring(L, "%s: unknown field '%s'", what, luaL_tolstring(L, -1, NULL));
            decl_error(L, "%s", lua_tostring(L, -1));
        }
    }
}

/* Reads the optional string field 'key' of the table at 'table'. */
static char *opt_string(lua_State *L, int table, const char *key, const char *rule) {
    char *value = NULL;
    int type = lua_getfield(L, table, key);
    if (type == LUA_TSTRING)
        value = copy_string(L, lua_tostring(L, -1));
    else if (type != LUA_TNIL) {
        lua_pushfstring(L, "%s: '%s' must be a string", rule, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    return value;
}

static int64_t opt_duration(lua_State *L, int table, const char *key, const char *rule) {
    int64_t ms = 0;
    char *text = opt_string(L, table, key, rule);
    if (text != NULL) {
        nerr_t err;
        int rc = clock_parse_duration(text, &ms, &err);
        free(text);
        if (rc != 0) {
            lua_pushfstring(L, "%s: '%s': %s", rule, key, err.msg);
            decl_error(L, "%s", lua_tostring(L, -1));
        }
    }
    return ms;
}

/* Appends a copy of 'text' to '*list'; '*list' and '*count' stay consistent if it raises. */
static void push_string(lua_State *L, char ***list, int *count, const char *text) {
    *list = grow(L, *list, *count, sizeof **list);
    char *copy = copy_string(L, text);
    (*list)[(*count)++] = copy;
}

/* Reads a field that is a string or a list of strings into '*list' and '*count', which the
 * caller owns and frees even when a Lua error stops the reading half way. */
static void opt_string_list(lua_State *L, int table, const char *key, char ***list, int *count,
                            const char *rule) {
    *list = NULL;
    *count = 0;
    int type = lua_getfield(L, table, key);
    if (type == LUA_TSTRING) {
        push_string(L, list, count, lua_tostring(L, -1));
    } else if (type == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            if (lua_type(L, -1) != LUA_TSTRING) {
                lua_pushfstring(L, "%s: '%s' must list strings", rule, key);
                decl_error(L, "%s", lua_tostring(L, -1));
            }
            push_string(L, list, count, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else if (type != LUA_TNIL) {
        lua_pushfstring(L, "%s: '%s' must be a string or a list of strings", rule, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
}

/* Stores the function field 'key' in the registry; LUA_NOREF when absent. */
static int opt_function(lua_State *L, int table, const char *key, const char *rule) {
    int type = lua_getfield(L, table, key);
    if (type == LUA_TFUNCTION)
        return luaL_ref(L, LUA_REGISTRYINDEX);
    if (type != LUA_TNIL) {
        lua_pushfstring(L, "%s: '%s' must be a function", rule, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    return LUA_NOREF;
}

/* Starts a rule record: checks the name is new and notes where it was declared. */
static rule_t *new_rule(lua_State *L, rule_kind_t kind, const char *name) {
    playbook_t *pb = from_state(L);
    for (int i = 0; i < pb->rule_count; i++)
        if (strcmp(pb->rules[i].name, name) == 0) {
            lua_pushfstring(L, "duplicate rule name '%s' (first declared at %s:%d)", name,
                            pb->rules[i].file, pb->rules[i].line);
            decl_error(L, "%s", lua_tostring(L, -1));
        }
    pb->rules = grow(L, pb->rules, pb->rule_count, sizeof *pb->rules);
    rule_t *rule = &pb->rules[pb->rule_count++];
    memset(rule, 0, sizeof *rule);
    rule->kind = kind;
    rule->when_ref = rule->content_ref = LUA_NOREF;
    rule->name = copy_string(L, name);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        rule->file = copy_string(L, ar.source[0] == '@' ? ar.source + 1 : ar.short_src);
        rule->line = ar.currentline;
    } else {
        rule->file = copy_string(L, "?");
    }
    return rule;
}

/* The start every rule declaration shares: the name from the first call, the table's fields
 * checked against 'fields', the record begun, its `because` read. */
static rule_t *begin_rule(lua_State *L, rule_kind_t kind, const char *const *fields) {
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, name, fields);
    rule_t *rule = new_rule(L, kind, name);
    rule->because = opt_string(L, 1, "because", name);
    return rule;
}

static void read_effects(lua_State *L, rule_t *rule, const char *key, double sign) {
    if (lua_getfield(L, 1, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1)) {
        lua_pushfstring(L, "%s: '%s' must be a table of state = amount", rule->name, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_isnumber(L, -1)) {
            lua_pushfstring(L, "%s: '%s' must map state names to numbers", rule->name, key);
            decl_error(L, "%s", lua_tostring(L, -1));
        }
        rule->effects = grow(L, rule->effects, rule->effect_count, sizeof *rule->effects);
        rule_effect_t *effect = &rule->effects[rule->effect_count++];
        effect->state = copy_string(L, lua_tostring(L, -2));
        effect->delta = sign * lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static cJSON *to_json(lua_State *L, int index, int depth);

/* Reads `set = { funnel = "mql", ... }`: facts a rule sets when it fires. */
static void read_set_facts(lua_State *L, rule_t *rule) {
    int type = lua_getfield(L, 1, "set");
    if (type == LUA_TTABLE && lua_rawlen(L, -1) == 0)
        rule->set_facts = to_json(L, -1, 0);
    else if (type != LUA_TNIL)
        decl_error(L, "%s: 'set' maps fact names to values", rule->name);
    lua_pop(L, 1);
}

/* Raises "rule: 'key' <what>" for the conditions of `where`, `facts` or `mind` ('key'). */
static void match_error(lua_State *L, const rule_t *rule, const char *key, const char *what) {
    lua_pushfstring(L, "%s: '%s' %s", rule->name, key, what);
    decl_error(L, "%s", lua_tostring(L, -1));
}

/* Adds the Lua value at 'index' to the values of a condition of `where` or `facts` ('key',
 * about 'noun'), refusing what a touchpoint's field or a fact cannot be compared with. */
static void add_match_value(lua_State *L, const rule_t *rule, const char *key, const char *noun,
                            rule_match_t *condition, int index) {
    int type = lua_type(L, index);
    if (type != LUA_TSTRING && type != LUA_TNUMBER && type != LUA_TBOOLEAN) {
        char what[96];
        snprintf(what, sizeof what, "compares %s with strings, numbers or booleans", noun);
        match_error(L, rule, key, what);
    }
    cJSON *value = to_json(L, index, 0);
    if (value == NULL || !cJSON_AddItemToArray(condition->values, value)) {
        cJSON_Delete(value);
        luaL_error(L, "out of memory");
    }
}

static int by_field_name(const void *a, const void *b) {
    return strcmp(((const rule_match_t *)a)->field, ((const rule_match_t *)b)->field);
}

/* Reads `key = { name = value | { value, ... }, ... }` into '*list' and '*count' (freed with
 * the rule even when a check raises half way): `where`, the touchpoint's fields ('noun'),
 * or `facts`, the contact's. The rule runs only when each holds one of its values. Sorted by
 * name: a reason cites the facts they read in their order, and a Lua table has none. */
static void read_matches(lua_State *L, rule_t *rule, const char *key, const char *noun,
                         rule_match_t **list, int *count) {
    int type = lua_getfield(L, 1, key);
    int table = lua_gettop(L);
    char shape[96];
    snprintf(shape, sizeof shape, "maps %s to a value or a list of values", noun);
    if (type != LUA_TNIL && (type != LUA_TTABLE || lua_rawlen(L, table) > 0))
        match_error(L, rule, key, shape);
    for (lua_pushnil(L); type == LUA_TTABLE && lua_next(L, table); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            match_error(L, rule, key, shape);
        *list = grow(L, *list, *count, sizeof **list);
        rule_match_t *condition = &(*list)[*count];
        condition->field = NULL;
        condition->field_slot = -1;
        condition->values = cJSON_CreateArray();
        if (condition->values == NULL)
            luaL_error(L, "out of memory");
        (*count)++; /* freed with the rule from here on, should a check raise */
        condition->field = copy_string(L, lua_tostring(L, -2));
        if (!lua_istable(L, -1)) {
            add_match_value(L, rule, key, noun, condition, -1);
            continue;
        }
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            add_match_value(L, rule, key, noun, condition, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1); /* the nil that ended the list */
        if (cJSON_GetArraySize(condition->values) == 0)
            match_error(L, rule, key, "has an empty list of values");
    }
    lua_pop(L, 1);
    if (*count > 1)
        qsort(*list, (size_t)*count, sizeof **list, by_field_name);
}

/* Whether the value at 'index' is a number other than NaN, which no bound can be. */
static int is_comparable_number(lua_State *L, int index) {
    return lua_type(L, index) == LUA_TNUMBER && lua_tonumber(L, index) == lua_tonumber(L, index);
}

/* Reads bound 'key' of the table at the top into '*bound'; returns whether it is there. */
static int read_bound(lua_State *L, const char *what, const char *key, double *bound) {
    int type = lua_getfield(L, -1, key);
    int is_number = is_comparable_number(L, -1);
    if (type != LUA_TNIL && !is_number) {
        lua_pushfstring(L, "%s: '%s' must be a number", what, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    if (is_number)
        *bound = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return is_number;
}

/* Reads the bounds of 'condition' from the value at the top: a number (at least that), or a
 * table of at most one lower bound (at_least, above) and one upper bound (at_most, below). */
static void read_bounds(lua_State *L, const char *what, rule_mind_t *condition) {
    static const char *const fields[] = {"at_least", "above", "at_most", "below", NULL};
    if (is_comparable_number(L, -1)) {
        condition->low = lua_tonumber(L, -1);
        condition->low_inclusive = 1;
        return;
    }
    if (!lua_istable(L, -1))
        decl_error(L, "%s: a number (at least) or a table of at_least, above, at_most, below",
                   what);
    check_fields(L, lua_gettop(L), what, fields);
    int at_least = read_bound(L, what, "at_least", &condition->low);
    int above = read_bound(L, what, "above", &condition->low);
    int at_most = read_bound(L, what, "at_most", &condition->high);
    int below = read_bound(L, what, "below", &condition->high);
    if ((at_least && above) || (at_most && below))
        decl_error(L, "%s: one lower bound (at_least or above) and one upper (at_most or below)",
                   what);
    if (!at_least && !above && !at_most && !below)
        decl_error(L, "%s: no bound (at_least, above, at_most or below)", what);
    condition->low_inclusive = at_least;
    condition->high_inclusive = at_most;
}

static int by_state_name(const void *a, const void *b) {
    const rule_mind_t *x = a, *y = b;
    int order = strcmp(x->state, y->state);
    return order != 0 ? order : x->of_account - y->of_account;
}

/* Reads `mind = { state = bounds, ... }` (or `account_mind`, with 'of_account'): the rule runs
 * only while each of those states lies within its bounds. The conditions are sorted by name:
 * a reason cites the states they read in their order, and a Lua table has none. */
static void read_mind(lua_State *L, rule_t *rule, const char *key, int of_account) {
    int type = lua_getfield(L, 1, key);
    int table = lua_gettop(L);
    if (type != LUA_TNIL && type != LUA_TTABLE)
        match_error(L, rule, key, "maps state names to bounds");
    for (lua_pushnil(L); type == LUA_TTABLE && lua_next(L, table); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            match_error(L, rule, key, "maps state names to bounds");
        rule->mind = grow(L, rule->mind, rule->mind_count, sizeof *rule->mind);
        rule_mind_t *condition = &rule->mind[rule->mind_count++]; /* freed with the rule */
        *condition = (rule_mind_t){NULL, of_account, -HUGE_VAL, HUGE_VAL, 0, 0, -1};
        condition->state = copy_string(L, lua_tostring(L, -2));
        char what[256];
        snprintf(what, sizeof what, "%s: %s.%s", rule->name, key, condition->state);
        read_bounds(L, what, condition);
    }
    lua_pop(L, 1);
    if (rule->mind_count > 1)
        qsort(rule->mind, (size_t)rule->mind_count, sizeof *rule->mind, by_state_name);
}

/* Reads what a rule that looks at touchpoints takes to say which ones, and which contacts, it
 * is about, before its condition runs: `on` (a touchpoint type or a list of them), `where`,
 * `mind`, `account_mind` and `facts`. */
static void read_scope(lua_State *L, rule_t *rule) {
    opt_string_list(L, 1, "on", &rule->on, &rule->on_count, rule->name);
    read_matches(L, rule, "where", "touchpoint fields", &rule->where, &rule->where_count);
    read_mind(L, rule, "mind", 0);
    read_mind(L, rule, "account_mind", 1);
    read_matches(L, rule, "facts", "facts", &rule->facts, &rule->facts_count);
}

/* infer "name" { stage, on, where, mind, account_mind, facts, when = function(e, c), raise = {..},
 * lower = {..}, set = {..}, because } */
static int declare_infer(lua_State *L) {
    static const char *const fields[] = {"stage", "on",    "where", "mind",
                                         "account_mind", "facts", "when", "raise",
                                         "lower", "set",   "because", "for_account", NULL};
    rule_t *rule = begin_rule(L, RULE_INFER, fields);
    const char *name = rule->name;
    read_scope(L, rule);
    opt_string_list(L, 1, "stage", &rule->stages, &rule->stage_count, name);
    rule->when_ref = opt_function(L, 1, "when", name);
    read_effects(L, rule, "raise", 1.0);
    read_effects(L, rule, "lower", -1.0);
    read_set_facts(L, rule);
    lua_getfield(L, 1, "for_account");
    rule->for_account = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (rule->effect_count == 0 && rule->set_facts == NULL)
        decl_error(L, "%s: an inference rule needs 'raise', 'lower' or 'set'", name);
    return 0;
}

/* advance "name" { on, where, mind, account_mind, facts, from = {..}, to, when = function(e, c),
 * set = {..}, because } */
static int declare_advance(lua_State *L) {
    static const char *const fields[] = {"on", "where", "mind", "account_mind", "facts", "from",
                                         "to", "when",  "set",  "because",      NULL};
    rule_t *rule = begin_rule(L, RULE_ADVANCE, fields);
    const char *name = rule->name;
    read_scope(L, rule);
    rule->when_ref = opt_function(L, 1, "when", name);
    opt_string_list(L, 1, "from", &rule->stages, &rule->stage_count, name);
    rule->to_stage = opt_string(L, 1, "to", name);
    read_set_facts(L, rule);
    if (rule->to_stage == NULL)
        decl_error(L, "%s: a stage rule needs 'to'", name);
    return 0;
}

/* Reads `window = "business_hours"` (or "any") of a send or a task. */
static void read_window(lua_State *L, int table, rule_t *rule) {
    char *window = opt_string(L, table, "window", rule->name);
    if (window == NULL || strcmp(window, "any") == 0)
        rule->window = WINDOW_ANY;
    else if (strcmp(window, "business_hours") == 0)
        rule->window = WINDOW_BUSINESS_HOURS;
    else {
        lua_pushfstring(L, "%s: unknown window '%s' (\"business_hours\" or \"any\")", rule->name,
                        window);
        free(window);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    free(window);
}

static void read_send(lua_State *L, rule_t *rule) {
    static const char *const fields[] = {"content", "channel", "after", "window", NULL};
    int send = lua_gettop(L);
    check_fields(L, send, rule->name, fields);
    rule->action_kind = ACTION_CONTENT;
    if (lua_getfield(L, send, "content") == LUA_TFUNCTION) {
        rule->content_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    } else {
        lua_pop(L, 1);
        rule->content = opt_string(L, send, "content", rule->name);
        if (rule->content == NULL)
            decl_error(L, "%s: 'send' needs 'content' (a catalogue id or a function)", rule->name);
    }
    rule->channel = opt_string(L, send, "channel", rule->name);
    rule->after_ms = opt_duration(L, send, "after", rule->name);
    read_window(L, send, rule);
}

static void read_task(lua_State *L, rule_t *rule) {
    static const char *const fields[] = {"role", "title", "channel", "after", "window", NULL};
    int task = lua_gettop(L);
    check_fields(L, task, rule->name, fields);
    rule->action_kind = ACTION_TASK;
    rule->task_role = opt_string(L, task, "role", rule->name);
    rule->task_title = opt_string(L, task, "title", rule->name);
    if (rule->task_role == NULL || rule->task_title == NULL)
        decl_error(L, "%s: 'task' needs 'role' and 'title'", rule->name);
    rule->channel = opt_string(L, task, "channel", rule->name);
    if (rule->channel == NULL)
        rule->channel = copy_string(L, "task");
    rule->after_ms = opt_duration(L, task, "after", rule->name);
    read_window(L, task, rule);
    size_t size = strlen(rule->name) + sizeof "task:";
    if ((rule->task_key = malloc(size)) == NULL)
        luaL_error(L, "out of memory");
    snprintf(rule->task_key, size, "task:%s", rule->name);
}

/* act "name" { stage, on, where, mind, account_mind, facts, when = function(c, e),
 * send = {..} | task = {..}, cooldown, priority, because } */
static int declare_act(lua_State *L) {
    static const char *const fields[] = {"stage",    "on",       "where",   "mind",
                                         "account_mind", "facts", "when",  "send",
                                         "task",     "cooldown", "priority", "because",
                                         "for_account", NULL};
    rule_t *rule = begin_rule(L, RULE_ACT, fields);
    const char *name = rule->name;
    read_scope(L, rule);
    rule->when_ref = opt_function(L, 1, "when", name);
    opt_string_list(L, 1, "stage", &rule->stages, &rule->stage_count, name);
    rule->cooldown_ms = DEFAULT_COOLDOWN_MS;
    if (lua_getfield(L, 1, "cooldown") != LUA_TNIL)
        rule->cooldown_ms = opt_duration(L, 1, "cooldown", name);
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "priority") != LUA_TNIL) {
        if (!lua_isinteger(L, -1))
            decl_error(L, "%s: 'priority' must be a whole number", name);
        rule->priority = (int)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    int has_send = lua_getfield(L, 1, "send") == LUA_TTABLE;
    if (has_send)
        read_send(L, rule);
    lua_pop(L, 1);
    int has_task = lua_getfield(L, 1, "task") == LUA_TTABLE;
    if (has_task)
        read_task(L, rule);
    lua_pop(L, 1);
    if (has_send == has_task)
        decl_error(L, "%s: an action rule needs exactly one of 'send' or 'task' (a table)", name);
    lua_getfield(L, 1, "for_account");
    rule->for_account = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (rule->because == NULL)
        decl_error(L, "%s: an action rule needs 'because', the reason a person can read", name);
    return 0;
}

/* content "id" { title, url, channel, ... } */
static int declare_content(lua_State *L) {
    static const char *const fields[] = {"title",  "url",       "channel", "format",
                                         "stages", "addresses", "topics",  "industries", NULL};
    const char *id = lua_tostring(L, lua_upvalueindex(1));
    playbook_t *pb = from_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, id, fields);
    if (playbook_content(pb, id) != NULL)
        decl_error(L, "duplicate content id '%s'", id);
    pb->contents = grow(L, pb->contents, pb->content_count, sizeof *pb->contents);
    content_t *content = &pb->contents[pb->content_count++];
    memset(content, 0, sizeof *content);
    content->id = copy_string(L, id);
    content->title = opt_string(L, 1, "title", id);
    content->url = opt_string(L, 1, "url", id);
    content->channel = opt_string(L, 1, "channel", id);
    opt_string_list(L, 1, "stages", &content->stages, &content->stage_count, id);
    opt_string_list(L, 1, "addresses", &content->addresses, &content->address_count, id);
    opt_string_list(L, 1, "topics", &content->topics, &content->topic_count, id);
    opt_string_list(L, 1, "industries", &content->industries, &content->industry_count, id);
    if (content->title == NULL)
        decl_error(L, "content '%s' needs a 'title'", id);
    return 0;
}

/* state "name" { half_life = "7d", description = ".." } */
static int declare_state(lua_State *L) {
    static const char *const fields[] = {"half_life", "description", NULL};
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    playbook_t *pb = from_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, name, fields);
    for (int i = 0; i < pb->state_count; i++)
        if (strcmp(pb->states[i].name, name) == 0)
            decl_error(L, "duplicate mind state '%s'", name);
    pb->states = grow(L, pb->states, pb->state_count, sizeof *pb->states);
    memset(pb->declared_hits, 0, sizeof pb->declared_hits); /* the records may have moved */
    state_def_t *state = &pb->states[pb->state_count++];
    memset(state, 0, sizeof *state);
    state->name = copy_string(L, name);
    state->name_length = strlen(name);
    state->half_life_ms = DEFAULT_HALF_LIFE_MS;
    if (lua_getfield(L, 1, "half_life") != LUA_TNIL)
        state->half_life_ms = opt_duration(L, 1, "half_life", name);
    lua_pop(L, 1);
    return 0;
}

/* stages { "unaware", "problem_aware", ... }: replaces the default stages, once. */
static int declare_stages(lua_State *L) {
    playbook_t *pb = from_state(L);
    if (pb->is_loaded)
        return luaL_error(L, "declarations are only allowed while the playbook loads");
    luaL_checktype(L, 1, LUA_TTABLE);
    if (pb->stages_declared) {
        lua_pushfstring(L, "stages already declared at %s:%d", pb->stages_file, pb->stages_line);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    for (int i = 0; i < pb->stage_count; i++)
        free(pb->stages[i]);
    free(pb->stages);
    pb->stages = NULL;
    pb->stage_count = 0;
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "stages");
    opt_string_list(L, lua_gettop(L), "stages", &pb->stages, &pb->stage_count, "stages");
    if (pb->stage_count == 0)
        decl_error(L, "%s", "stages: list at least one stage");
    pb->stages_declared = 1;
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
        pb->stages_file = copy_string(L, ar.short_src);
        pb->stages_line = ar.currentline;
    }
    return 0;
}

/* ---- policies and goals ---------------------------------------------------------------- */

/* suppress "name" { facts, when = function(c, e), because }: while the facts hold and the
 * condition holds, no content action is delivered to the contact, whatever the act rules
 * say. Tasks for people go on. */
static int declare_suppress(lua_State *L) {
    static const char *const fields[] = {"facts", "when", "because", NULL};
    rule_t *rule = begin_rule(L, RULE_SUPPRESS, fields);
    const char *name = rule->name;
    read_matches(L, rule, "facts", "facts", &rule->facts, &rule->facts_count);
    rule->when_ref = opt_function(L, 1, "when", name);
    if (rule->when_ref == LUA_NOREF && rule->facts_count == 0)
        decl_error(L, "%s: a suppression needs 'when' or 'facts'", name);
    return 0;
}

/* cap "name" { channel = "email", max = 2, per = "7d", because }: at most 'max' actions on
 * 'channel' due within any 'per'; past it, the lower-priority action is held back. */
static int declare_cap(lua_State *L) {
    static const char *const fields[] = {"channel", "max", "per", "because", NULL};
    rule_t *rule = begin_rule(L, RULE_CAP, fields);
    const char *name = rule->name;
    rule->channel = opt_string(L, 1, "channel", name);
    rule->cap_window_ms = opt_duration(L, 1, "per", name);
    if (lua_getfield(L, 1, "max") != LUA_TNUMBER || !lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
        decl_error(L, "%s: a cap needs 'max', a whole number", name);
    rule->cap_max = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (rule->channel == NULL || rule->cap_window_ms <= 0)
        decl_error(L, "%s: a cap needs 'channel' and 'per' (a duration)", name);
    return 0;
}

/* goal "name" { on = "meeting_booked", where, mind, account_mind, facts, when = function(e, c),
 * cancel = "content" | "all", because }: reaching it cancels the contact's pending nurture
 * (and with "all", tasks too). */
static int declare_goal(lua_State *L) {
    static const char *const fields[] = {"on",     "where",   "mind", "account_mind", "facts",
                                         "when",   "cancel",  "because", NULL};
    rule_t *rule = begin_rule(L, RULE_GOAL, fields);
    const char *name = rule->name;
    read_scope(L, rule);
    rule->when_ref = opt_function(L, 1, "when", name);
    char *cancel = opt_string(L, 1, "cancel", name);
    int is_known = cancel == NULL || strcmp(cancel, "content") == 0 || strcmp(cancel, "all") == 0;
    rule->cancels_tasks = cancel != NULL && strcmp(cancel, "all") == 0;
    free(cancel);
    if (!is_known)
        decl_error(L, "%s: 'cancel' is \"content\" or \"all\"", name);
    if (rule->on_count == 0)
        decl_error(L, "%s: a goal needs 'on', the touchpoint type that reaches it", name);
    return 0;
}

/* Reads "HH:MM" as minutes after midnight. */
static int read_clock_time(lua_State *L, int table, const char *key, int fallback, const char *what) {
    char *text = opt_string(L, table, key, what);
    if (text == NULL)
        return fallback;
    int hours = -1, minutes = -1;
    char extra;
    int n = sscanf(text, "%2d:%2d%c", &hours, &minutes, &extra);
    free(text);
    if (n != 2 || hours < 0 || hours > 24 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 24 * 60) {
        lua_pushfstring(L, "%s: '%s' must be a time of day like \"08:30\"", what, key);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    return hours * 60 + minutes;
}

/* quiet_hours { from = "20:00", to = "08:00" }: content due in between waits for the end. */
static int declare_quiet_hours(lua_State *L) {
    static const char *const fields[] = {"from", "to", NULL};
    playbook_t *pb = from_state(L);
    if (pb->is_loaded)
        return luaL_error(L, "declarations are only allowed while the playbook loads");
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, "quiet_hours", fields);
    pb->hours.quiet_from_min = read_clock_time(L, 1, "from", -1, "quiet_hours");
    pb->hours.quiet_to_min = read_clock_time(L, 1, "to", -1, "quiet_hours");
    if (pb->hours.quiet_from_min < 0 || pb->hours.quiet_to_min < 0)
        decl_error(L, "%s", "quiet_hours needs 'from' and 'to'");
    pb->hours.has_quiet_hours = 1;
    return 0;
}

/* business_hours { from = "09:00", to = "18:00", days = { "mon", ..., "fri" } } */
static int declare_business_hours(lua_State *L) {
    static const char *const fields[] = {"from", "to", "days", NULL};
    static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    playbook_t *pb = from_state(L);
    if (pb->is_loaded)
        return luaL_error(L, "declarations are only allowed while the playbook loads");
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, "business_hours", fields);
    pb->hours.business_from_min = read_clock_time(L, 1, "from", 9 * 60, "business_hours");
    pb->hours.business_to_min = read_clock_time(L, 1, "to", 18 * 60, "business_hours");
    if (pb->hours.business_from_min >= pb->hours.business_to_min)
        decl_error(L, "%s", "business_hours: 'from' must come before 'to'");
    if (lua_getfield(L, 1, "days") == LUA_TTABLE) {
        int bits = 0;
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) != LUA_TNIL; i++) {
            int found = -1;
            for (int d = 0; d < 7 && lua_type(L, -1) == LUA_TSTRING; d++)
                if (strcmp(lua_tostring(L, -1), day_names[d]) == 0)
                    found = d;
            if (found < 0) {
                lua_pushfstring(L, "business_hours: unknown day '%s' (mon, tue, ..., sun)",
                                luaL_tolstring(L, -1, NULL));
                decl_error(L, "%s", lua_tostring(L, -1));
            }
            bits |= 1 << found;
            lua_pop(L, 1);
        }
        pb->hours.business_days = bits;
    } else if (!lua_isnil(L, -1)) {
        decl_error(L, "%s", "business_hours: 'days' lists days, e.g. { \"mon\", \"tue\" }");
    }
    lua_pop(L, 1);
    return 0;
}

/* ---- tests ----------------------------------------------------------------------------- */

#define TEST_START "2026-01-05T09:00:00Z" /* when a test's first touchpoint happens by default */

/* Converts the Lua value at 'index' to JSON: tables with keys 1..n become arrays, other
 * tables objects. Values JSON cannot hold (functions, deep nesting) become null. Never
 * raises, so nothing allocated here can leak through a Lua error. */
static cJSON *to_json(lua_State *L, int index, int depth) {
    index = lua_absindex(L, index);
    switch (lua_type(L, index)) {
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, index));
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, index));
    case LUA_TNUMBER: return cJSON_CreateNumber(lua_tonumber(L, index));
    case LUA_TTABLE:
        if (depth <= 16 && lua_checkstack(L, 3))
            break;
        /* fall through */
    default: return cJSON_CreateNull();
    }
    int is_array = lua_rawlen(L, index) > 0;
    cJSON *out = is_array ? cJSON_CreateArray() : cJSON_CreateObject();
    lua_pushnil(L);
    while (lua_next(L, index)) {
        cJSON *item = to_json(L, -1, depth + 1);
        if (is_array)
            cJSON_AddItemToArray(out, item);
        else if (lua_type(L, -2) == LUA_TSTRING)
            cJSON_AddItemToObject(out, lua_tostring(L, -2), item);
        else
            cJSON_Delete(item);
        lua_pop(L, 1);
    }
    return out;
}

/* Reads a time field (RFC 3339) or raises "name: 'key': reason". */
static int64_t read_time(lua_State *L, int table, const char *key, int64_t fallback,
                         const char *name) {
    char *text = opt_string(L, table, key, name);
    if (text == NULL)
        return fallback;
    int64_t ms;
    nerr_t err;
    int rc = clock_parse_rfc3339(text, &ms, &err);
    free(text);
    if (rc != 0) {
        lua_pushfstring(L, "%s: '%s': %s", name, key, err.msg);
        decl_error(L, "%s", lua_tostring(L, -1));
    }
    return ms;
}

/* Builds one event object from a test's touchpoint table at 'table': { "page_view",
 * after = "1d", page_type = "faq" } or { type = ..., at = ..., props = {...} }. Keys other
 * than the event's own fields go to props. */
static cJSON *test_event(lua_State *L, int table, const playbook_test_t *t, int number,
                         int64_t *clock_ms) {
    static const char *const top[] = {"id", "contact", "account", "channel", "source", NULL};
    char *type = NULL;
    if (lua_rawgeti(L, table, 1) == LUA_TSTRING)
        type = copy_string(L, lua_tostring(L, -1));
    lua_pop(L, 1);
    if (type == NULL && (type = opt_string(L, table, "type", t->name)) == NULL)
        decl_error(L, "%s: every touchpoint needs a type (first in the table, or type = ...)", t->name);
    *clock_ms += opt_duration(L, table, "after", t->name);
    *clock_ms = read_time(L, table, "at", *clock_ms, t->name);
    char at[CLOCK_ISO_MAX], id[64];
    clock_format_iso(*clock_ms, at, sizeof at);
    snprintf(id, sizeof id, "t%d", number);
    cJSON *event = cJSON_CreateObject(), *props = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "id", id);
    cJSON_AddStringToObject(event, "contact", t->contact);
    cJSON_AddStringToObject(event, "type", type);
    cJSON_AddStringToObject(event, "at", at);
    free(type);
    lua_pushnil(L);
    while (lua_next(L, table)) {
        const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
        int is_top = 0;
        for (int i = 0; key && top[i]; i++)
            is_top |= strcmp(key, top[i]) == 0;
        if (key == NULL || strcmp(key, "type") == 0 || strcmp(key, "at") == 0 ||
            strcmp(key, "after") == 0) {
            /* already read */
        } else if (is_top) {
            cJSON_DeleteItemFromObjectCaseSensitive(event, key);
            cJSON_AddItemToObject(event, key, to_json(L, -1, 0));
        } else if (strcmp(key, "props") == 0 && lua_istable(L, -1)) {
            cJSON_Delete(props);
            props = to_json(L, -1, 0);
        } else {
            cJSON_AddItemToObject(props, key, to_json(L, -1, 0));
        }
        lua_pop(L, 1);
    }
    cJSON_AddItemToObject(event, "props", props);
    return event;
}

static void read_test_events(lua_State *L, playbook_test_t *t, int64_t start_ms) {
    t->events = cJSON_CreateArray();
    int64_t clock_ms = start_ms;
    int number = 0;
    if (lua_getfield(L, 1, "facts") == LUA_TTABLE) {
        lua_newtable(L);
        lua_pushstring(L, "identify");
        lua_rawseti(L, -2, 1);
        lua_pushvalue(L, -2);
        lua_setfield(L, -2, "props");
        cJSON_AddItemToArray(t->events, test_event(L, lua_gettop(L), t, ++number, &clock_ms));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "events") != LUA_TTABLE)
        decl_error(L, "%s: a test needs 'events', a list of touchpoints", t->name);
    int events = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, events, i) == LUA_TTABLE; i++) {
        cJSON_AddItemToArray(t->events, test_event(L, lua_gettop(L), t, ++number, &clock_ms));
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

/* Reads a list of expected actions: { { content = "x", channel = "email", due = "...",
 * after = "1h" (due that long after the last touchpoint), rule = "r" }, { task = "role" } }. */
static playbook_expect_t *read_expects(lua_State *L, const char *key, int *count,
                                       const playbook_test_t *t, int64_t last_ms) {
    static const char *const fields[] = {"content", "task", "rule", "channel", "due", "after", NULL};
    playbook_expect_t *list = NULL;
    *count = 0;
    if (lua_getfield(L, 1, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    if (!lua_istable(L, -1))
        decl_error(L, "%s: a test's expectations must be a list of tables", t->name);
    int expects = lua_gettop(L);
    for (lua_Integer i = 1; lua_rawgeti(L, expects, i) == LUA_TTABLE; i++) {
        int item = lua_gettop(L);
        check_fields(L, item, t->name, fields);
        list = grow(L, list, *count, sizeof *list);
        playbook_expect_t *e = &list[(*count)++];
        memset(e, 0, sizeof *e);
        e->content = opt_string(L, item, "content", t->name);
        e->task_role = opt_string(L, item, "task", t->name);
        e->rule = opt_string(L, item, "rule", t->name);
        e->channel = opt_string(L, item, "channel", t->name);
        e->due_ms = read_time(L, item, "due", -1, t->name);
        lua_getfield(L, item, "after");
        int has_after = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (has_after)
            e->due_ms = last_ms + opt_duration(L, item, "after", t->name);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return list;
}

static void read_expect_mind(lua_State *L, playbook_test_t *t) {
    if (lua_getfield(L, 1, "expect_mind") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            decl_error(L, "%s: expect_mind maps state names to bounds", t->name);
        t->expect_mind = grow(L, t->expect_mind, t->expect_mind_count, sizeof *t->expect_mind);
        playbook_expect_mind_t *m = &t->expect_mind[t->expect_mind_count++];
        m->state = copy_string(L, lua_tostring(L, -2));
        m->at_least = 0.0;
        m->at_most = 1.0;
        if (lua_isnumber(L, -1)) {
            m->at_least = lua_tonumber(L, -1);
        } else if (lua_istable(L, -1)) {
            if (lua_getfield(L, -1, "at_least") == LUA_TNUMBER)
                m->at_least = lua_tonumber(L, -1);
            if (lua_getfield(L, -2, "at_most") == LUA_TNUMBER)
                m->at_most = lua_tonumber(L, -1);
            lua_pop(L, 2);
        } else {
            decl_error(L, "%s: expect_mind bounds are a number or { at_least, at_most }", t->name);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* The time of the last touchpoint of a test, for expectations given as `after`. */
static int64_t last_event_ms(const playbook_test_t *t) {
    const cJSON *last = cJSON_GetArrayItem(t->events, cJSON_GetArraySize(t->events) - 1);
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(last, "at");
    int64_t ms = 0;
    if (cJSON_IsString(at))
        clock_parse_rfc3339(at->valuestring, &ms, NULL);
    return ms;
}

/* test "name" { contact, facts, start, events, expect, expect_no, expect_none, expect_stage,
 * expect_mind } */
static int declare_test(lua_State *L) {
    static const char *const fields[] = {"contact", "facts",        "start",       "events",
                                         "expect",  "expect_no",    "expect_none", "expect_stage",
                                         "expect_mind", "expect_facts", NULL};
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    playbook_t *pb = from_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L, 1, name, fields);
    for (int i = 0; i < pb->test_count; i++)
        if (strcmp(pb->tests[i].name, name) == 0)
            decl_error(L, "duplicate test name '%s'", name);
    pb->tests = grow(L, pb->tests, pb->test_count, sizeof *pb->tests);
    playbook_test_t *t = &pb->tests[pb->test_count++];
    memset(t, 0, sizeof *t);
    t->name = copy_string(L, name);
    lua_Debug ar;
    t->file = copy_string(L, lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@'
                                 ? ar.source + 1 : "?");
    t->line = ar.currentline;
    t->contact = opt_string(L, 1, "contact", name);
    if (t->contact == NULL)
        t->contact = copy_string(L, "test-contact");
    int64_t start_ms;
    clock_parse_rfc3339(TEST_START, &start_ms, NULL);
    read_test_events(L, t, read_time(L, 1, "start", start_ms, name));
    int64_t last_ms = last_event_ms(t);
    t->expect = read_expects(L, "expect", &t->expect_count, t, last_ms);
    t->refuse = read_expects(L, "expect_no", &t->refuse_count, t, last_ms);
    lua_getfield(L, 1, "expect_none");
    t->expect_none = lua_toboolean(L, -1);
    lua_pop(L, 1);
    t->expect_stage = opt_string(L, 1, "expect_stage", name);
    read_expect_mind(L, t);
    if (lua_getfield(L, 1, "expect_facts") == LUA_TTABLE)
        t->expect_facts = to_json(L, -1, 0);
    lua_pop(L, 1);
    return 0;
}

/* Runs the declaration (upvalue 2; upvalue 1 is its name) only while the playbook loads: run
 * from a rule, it would grow the arrays whose records the running rule and decide hold. */
static int declare_while_loading(lua_State *L) {
    if (from_state(L)->is_loaded)
        return luaL_error(L, "declarations are only allowed while the playbook loads");
    return lua_tocfunction(L, lua_upvalueindex(2))(L);
}

/* `infer "name" {..}` is two calls: the first takes the name, the second the table. */
static int curry_name(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    if (name[0] == '\0')
        return luaL_error(L, "a name must not be empty");
    lua_pushvalue(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, declare_while_loading, 2);
    return 1;
}

static int choose_best(lua_State *L);

static void register_declarations(lua_State *L) {
    static const luaL_Reg named[] = {{"infer", declare_infer},     {"advance", declare_advance},
                                     {"act", declare_act},         {"content", declare_content},
                                     {"state", declare_state},     {"test", declare_test},
                                     {"suppress", declare_suppress}, {"cap", declare_cap},
                                     {"goal", declare_goal},       {NULL, NULL}};
    for (const luaL_Reg *d = named; d->name; d++) {
        lua_pushcfunction(L, d->func);
        lua_pushcclosure(L, curry_name, 1);
        lua_setglobal(L, d->name);
    }
    lua_pushcfunction(L, declare_stages);
    lua_setglobal(L, "stages");
    lua_pushcfunction(L, declare_quiet_hours);
    lua_setglobal(L, "quiet_hours");
    lua_pushcfunction(L, choose_best);
    lua_setglobal(L, "best");
    lua_pushcfunction(L, declare_business_hours);
    lua_setglobal(L, "business_hours");
}

/* ---- values the rules see: contact, mind, facts, event ---------------------------------- */

static void push_json(lua_State *L, const cJSON *item, int depth) {
    if (depth > 64 || !lua_checkstack(L, 3)) {
        lua_pushnil(L);
        return;
    }
    if (cJSON_IsString(item)) {
        lua_pushstring(L, item->valuestring);
    } else if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        if (v == (double)(lua_Integer)v && v > -9.0e15 && v < 9.0e15)
            lua_pushinteger(L, (lua_Integer)v);
        else
            lua_pushnumber(L, v);
    } else if (cJSON_IsBool(item)) {
        lua_pushboolean(L, cJSON_IsTrue(item));
    } else if (cJSON_IsArray(item)) {
        lua_createtable(L, cJSON_GetArraySize(item), 0);
        lua_Integer i = 1;
        const cJSON *child;
        cJSON_ArrayForEach(child, item) {
            push_json(L, child, depth + 1);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(item)) {
        lua_newtable(L);
        const cJSON *child;
        cJSON_ArrayForEach(child, item) {
            push_json(L, child, depth + 1);
            lua_setfield(L, -2, child->string);
        }
    } else {
        lua_pushnil(L);
    }
}

/* luaL_checklstring with the common case first: the functions rules call at every read take
 * their names here. Raises luaL_checklstring's own error for a value that is not a string. */
static const char *arg_string(lua_State *L, int arg, size_t *length) {
    const char *text = lua_tolstring(L, arg, length);
    return text ? text : luaL_checklstring(L, arg, length);
}

/* cJSON_GetObjectItemCaseSensitive, comparing first letters before names: events, props and
 * facts are read by name all the time. */
static const cJSON *member_of(const cJSON *object, const char *name) {
    const cJSON *item = object ? object->child : NULL;
    for (; item != NULL && item->string != NULL; item = item->next)
        if (item->string[0] == name[0] && strcmp(item->string, name) == 0)
            return item;
    return NULL;
}

static void note_read(const char **list, int *count, const char *name) {
    for (int i = 0; i < *count; i++)
        if (list[i] == name || strcmp(list[i], name) == 0) /* mostly the same string again */
            return;
    if (*count < PLAYBOOK_READS_MAX)
        list[(*count)++] = name;
}

static const state_def_t *find_declared(const playbook_t *pb, const char *name);

static int state_declared(const playbook_t *pb, const char *name) {
    return find_declared(pb, name) != NULL;
}

/* The declaration of state 'name', or NULL. Rules read states by name all the time: comparing
 * lengths first leaves one string comparison. */
static state_def_t *find_declared_length(const playbook_t *pb, const char *name, size_t length);

static const state_def_t *find_declared(const playbook_t *pb, const char *name) {
    return find_declared_length(pb, name, strlen(name));
}

static state_def_t *find_declared_length(const playbook_t *pb, const char *name, size_t length) {
    for (int i = 0; i < pb->state_count; i++)
        if (pb->states[i].name_length == length && memcmp(pb->states[i].name, name, length) == 0)
            return &pb->states[i];
    return NULL;
}

/* Keeps the Lua string at 'arg' from ever being collected, so that no other string can
 * take its address. */
static void anchor_string(lua_State *L, const playbook_t *pb, int arg) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, pb->name_anchors_ref);
    lua_pushvalue(L, arg);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* The declared state named by the Lua string at 'arg' ('name', 'length' bytes), found through
 * a small cache keyed by the string's address: rules name their states with constants, so
 * the same few strings come back at every read. Only strings kept from collection are
 * remembered, so an address found is the same string, and short ones only: Lua makes one
 * object per short content, so the names stay as few as the states. */
static state_def_t *find_declared_cached(lua_State *L, playbook_t *pb, int arg, const char *name,
                                         size_t length) {
    declared_hit_t *hit = &pb->declared_hits[((uintptr_t)name >> 4) % DECLARED_HITS];
    if (hit->name == name)
        return hit->def;
    state_def_t *def = find_declared_length(pb, name, length);
    if (def && length <= ANCHORED_NAME_MAX) {
        anchor_string(L, pb, arg);
        hit->name = name;
        hit->def = def;
    }
    return def;
}

/* The declaration of the state a rule reads (the string at 'arg'), or NULL when the playbook
 * declares no states (then any name goes, with the default half-life); raises when it declares
 * them but not this one. */
static state_def_t *checked_state(lua_State *L, playbook_t *pb, int arg, const char *name,
                                  size_t length) {
    if (pb->state_count == 0)
        return NULL;
    state_def_t *def = find_declared_cached(L, pb, arg, name, length);
    if (def == NULL)
        luaL_error(L, "unknown mind state '%s' (the playbook declares its states)", name);
    return def;
}

/* mind_find, comparing first letters before names. */
static const mind_state_t *find_state(const mind_t *mind, const char *name) {
    for (int i = 0; i < mind->count; i++)
        if (mind->states[i].name[0] == name[0] && strcmp(mind->states[i].name, name) == 0)
            return &mind->states[i];
    return NULL;
}

/* Finds state 'name' (declared as 'def', or NULL when the playbook declares none) in 'mind'
 * and its value at the touchpoint's time, from the declaration's last read when that was of
 * the same mind, unchanged, at the same time. Returns the state, or NULL when the mind has
 * none. */
static const mind_state_t *read_state(const playbook_t *pb, const mind_t *mind, const char *name,
                                      state_def_t *def, double *value) {
    int64_t at_ms = pb->event->at_ms;
    if (def && def->read_mind == mind && def->read_version == mind->version &&
        def->read_at_ms == at_ms) {
        *value = def->read_value;
        return def->read_state;
    }
    const mind_state_t *state = find_state(mind, name);
    *value = state ? mind_state_value(state, at_ms, def ? def->half_life_ms : DEFAULT_HALF_LIFE_MS)
                   : 0.0;
    if (def) {
        def->read_mind = mind;
        def->read_version = mind->version;
        def->read_at_ms = at_ms;
        def->read_state = state;
        def->read_value = *value;
    }
    return state;
}

/* Pushes the value of 'name' in 'mind' (NULL: none) at the touchpoint's time and notes the
 * read in 'list' when the state exists. */
static void push_state(lua_State *L, playbook_t *pb, const mind_t *mind, const char *name,
                       state_def_t *def, const char **list, int *count) {
    double value = 0.0;
    const mind_state_t *state = mind ? read_state(pb, mind, name, def, &value) : NULL;
    if (state && pb->reads)
        note_read(list, count, state->name);
    lua_pushnumber(L, value);
}

/* c.mind.<state>: the decayed value at the touchpoint's time, 0 when never inferred. */
static int mind_index(lua_State *L) {
    playbook_t *pb = from_state(L);
    size_t length;
    const char *name = arg_string(L, 2, &length);
    state_def_t *def = checked_state(L, pb, 2, name, length);
    push_state(L, pb, &pb->contact->mind, name, def, pb->reads ? pb->reads->states : NULL,
               pb->reads ? &pb->reads->state_count : NULL);
    return 1;
}

/* c.facts.<name>: a fact set by identify events or rules; nil when unknown. */
static int facts_index(lua_State *L) {
    playbook_t *pb = from_state(L);
    const char *name = arg_string(L, 2, NULL);
    const cJSON *item = member_of(pb->contact->facts, name);
    if (item == NULL)
        return 0;
    if (pb->reads)
        note_read(pb->reads->facts, &pb->reads->fact_count, item->string);
    push_json(L, item, 0);
    return 1;
}

/* c.account_mind.<state>: a state of the contact's account as a whole; 0 without one. */
static int account_mind_index(lua_State *L) {
    playbook_t *pb = from_state(L);
    size_t length;
    const char *name = arg_string(L, 2, &length);
    state_def_t *def = checked_state(L, pb, 2, name, length);
    push_state(L, pb, pb->account ? &pb->account->mind : NULL, name, def,
               pb->reads ? pb->reads->account_states : NULL,
               pb->reads ? &pb->reads->account_state_count : NULL);
    return 1;
}

/* c.account_facts.<name>: a fact of the contact's account; nil without one. */
static int account_facts_index(lua_State *L) {
    playbook_t *pb = from_state(L);
    const char *name = arg_string(L, 2, NULL);
    const cJSON *item = pb->account ? member_of(pb->account->facts, name) : NULL;
    if (item == NULL)
        return 0;
    push_json(L, item, 0);
    return 1;
}

/* The touchpoint's field 'name' as rules read it: a top-level field, else a member of its
 * props; NULL when it has neither. */
static const cJSON *event_field(const event_t *event, const char *name) {
    const cJSON *item = member_of(event->json, name);
    return item ? item : member_of(event->props, name);
}

/* e.<key>: a top-level field of the event, else a member of its props. The event proxy
 * reads through one table of the fields already read for the current event (emptied for each
 * new event by event_table); this runs for the others. A plain value (string, number,
 * boolean) found is kept in that table (argument 1), so the rules after the first read it
 * without a call into C. Objects and arrays are made afresh on every read, as a rule may
 * change the copy it gets, and absent fields are looked up again. */
static int event_miss(lua_State *L) {
    playbook_t *pb = from_state(L);
    const cJSON *item = event_field(pb->event, arg_string(L, 2, NULL));
    if (item == NULL)
        return 0;
    push_json(L, item, 0);
    if (cJSON_IsString(item) || cJSON_IsNumber(item) || cJSON_IsBool(item)) {
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, 1);
    }
    return 1;
}

/* Empties the table of fields when the event is not the one it was filled for (an event not
 * made by event_parse has no serial and never keeps one). Reusing one table instead of making
 * one per event spares an allocation and its collection for every event. Allocates nothing:
 * it runs outside the protected call, and setting present fields to nil, even while
 * traversing, never allocates. */
static void event_table(playbook_t *pb, const event_t *event) {
    if (event->serial != 0 && event->serial == pb->event_serial)
        return;
    lua_State *L = pb->L;
    pb->event_serial = event->serial;
    lua_rawgeti(L, LUA_REGISTRYINDEX, pb->event_fields_ref);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);          /* the value */
        lua_pushvalue(L, -1);   /* the key, kept for lua_next */
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    lua_pop(L, 1);
}

/* Puts a filter's properties in name order. A table's traversal order follows its keys'
 * hashes, which Lua seeds anew in every process: unsorted, the same rules would compare the
 * properties in another order, and do another amount of work, at every run. */
static void sort_matches(contact_filter_t *filter) {
    for (int i = 1; i < filter->count; i++) {
        contact_match_t match = filter->matches[i];
        int k = i;
        for (; k > 0 && strcmp(filter->matches[k - 1].key, match.key) > 0; k--)
            filter->matches[k] = filter->matches[k - 1];
        filter->matches[k] = match;
    }
}

/* Reads the optional (filter, window) arguments of a history query starting at 'arg'. */
static void query_args(lua_State *L, int arg, contact_filter_t *filter, int64_t *since_ms) {
    playbook_t *pb = from_state(L);
    filter->count = 0;
    *since_ms = INT64_MIN;
    if (lua_istable(L, arg)) {
        lua_pushnil(L);
        while (lua_next(L, arg)) {
            if (filter->count == CONTACT_FILTER_MAX)
                luaL_error(L, "a filter takes at most %d properties", CONTACT_FILTER_MAX);
            contact_match_t *m = &filter->matches[filter->count++];
            m->key = luaL_checkstring(L, -2);
            int type = lua_type(L, -1);
            m->text = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            /* The number is compared only when there is no text; converting a string to
             * one would cost more than the match. */
            m->number = type == LUA_TSTRING ? 0 : type == LUA_TBOOLEAN ? lua_toboolean(L, -1)
                                                                        : lua_tonumber(L, -1);
            lua_pop(L, 1); /* the key stays and the value's string is anchored by the table */
        }
        sort_matches(filter);
        arg++;
    }
    if (!lua_isnoneornil(L, arg)) {
        int64_t window_ms;
        nerr_t err;
        if (clock_parse_duration(luaL_checkstring(L, arg), &window_ms, &err) != 0)
            luaL_error(L, "%s", err.msg);
        *since_ms = pb->event->at_ms - window_ms;
    }
}

/* c:count(type [, filter] [, window]) */
static int contact_count_method(lua_State *L) {
    contact_filter_t filter;
    int64_t since_ms;
    const char *type = arg_string(L, 2, NULL);
    query_args(L, 3, &filter, &since_ms);
    lua_pushinteger(L, contact_count(from_state(L)->contact, type, &filter, since_ms));
    return 1;
}

/* c:did(type [, filter] [, window]) */
static int contact_did_method(lua_State *L) {
    contact_filter_t filter;
    int64_t since_ms;
    const char *type = arg_string(L, 2, NULL);
    query_args(L, 3, &filter, &since_ms);
    lua_pushboolean(L, contact_count(from_state(L)->contact, type, &filter, since_ms) > 0);
    return 1;
}

/* c:since(type [, filter]): milliseconds since the newest such touchpoint, or nil. The current
 * touchpoint counts, so `c:since("page_view")` on a page view is 0. */
static int contact_since_method(lua_State *L) {
    contact_filter_t filter;
    int64_t since_ms;
    playbook_t *pb = from_state(L);
    const char *type = arg_string(L, 2, NULL);
    query_args(L, 3, &filter, &since_ms);
    int64_t last = contact_last(pb->contact, type, &filter);
    if (last < 0)
        return 0;
    lua_pushinteger(L, pb->event->at_ms - last);
    return 1;
}

/* c:dwell(type [, filter] [, window]): seconds spent on such touchpoints, from their
 * `dwell_s` property (page views report it). */
static int contact_dwell_method(lua_State *L) {
    contact_filter_t filter;
    int64_t since_ms;
    const char *type = arg_string(L, 2, NULL);
    query_args(L, 3, &filter, &since_ms);
    lua_pushnumber(L, contact_dwell(from_state(L)->contact, type, &filter, since_ms));
    return 1;
}

/* c:after(first, second): true when a touchpoint of type 'second' happened after the newest
 * one of type 'first' ("they booked a call after reading the pricing page"). */
static int contact_after_method(lua_State *L) {
    const contact_t *c = from_state(L)->contact;
    int64_t first = contact_last(c, luaL_checkstring(L, 2), NULL);
    int64_t second = contact_last(c, luaL_checkstring(L, 3), NULL);
    lua_pushboolean(L, first >= 0 && second > first);
    return 1;
}

/* c:committee(type [, filter] [, window]): how many contacts of the account (this one
 * included) had such a touchpoint: the buying committee at work. 0 without an account. */
static int contact_committee_method(lua_State *L) {
    contact_filter_t filter;
    int64_t since_ms;
    playbook_t *pb = from_state(L);
    const char *type = arg_string(L, 2, NULL);
    query_args(L, 3, &filter, &since_ms);
    nerr_t err;
    int count = pb->account ? account_committee(pb->account, type, &filter, since_ms, &err) : 0;
    if (count < 0)
        return luaL_error(L, "%s", err.msg);
    lua_pushinteger(L, count);
    return 1;
}

/* c.<key> for the fields that change while a touchpoint is decided; the methods and the
 * mind and facts proxies are found first in the table behind the proxy (make_contact_proxy). */
static int contact_field(lua_State *L) {
    playbook_t *pb = from_state(L);
    const char *key = arg_string(L, 2, NULL);
    const contact_t *c = pb->contact;
    if (strcmp(key, "id") == 0)
        lua_pushstring(L, c->id);
    else if (strcmp(key, "stage") == 0)
        lua_pushstring(L, c->stage ? c->stage : pb->stages[0]);
    else if (strcmp(key, "account") == 0)
        pb->account ? lua_pushstring(L, pb->account->id)
                    : c->account ? lua_pushstring(L, c->account) : lua_pushnil(L);
    else if (strcmp(key, "now") == 0)
        lua_pushinteger(L, pb->event->at_ms);
    else
        return luaL_error(L, "a contact has no field '%s' (facts are under c.facts)", key);
    return 1;
}

static int refuse_write(lua_State *L) {
    return luaL_error(L, "'%s' is read-only in rules", luaL_checkstring(L, 2));
}

/* Creates one proxy userdata whose metatable (registered as 'meta') reads through the value
 * on top of the stack (a function or a table; popped) and refuses writes. Leaves the proxy on
 * the stack. */
static void make_proxy(lua_State *L, const char *meta) {
    lua_newuserdatauv(L, 1, 0);
    luaL_newmetatable(L, meta);
    lua_rotate(L, -3, -1); /* proxy, metatable, index */
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, refuse_write);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* getmetatable() cannot reach the real one */
    lua_setmetatable(L, -2);
}

/* Makes a proxy like make_proxy with the C function 'index' and stores it in field 'name' of
 * the table on top of the stack. */
static void make_field_proxy(lua_State *L, const char *meta, lua_CFunction index, const char *name) {
    lua_pushcfunction(L, index);
    make_proxy(L, meta);
    lua_setfield(L, -2, name);
}

/* The contact proxy reads through a table of what does not change (methods, the mind and
 * facts proxies): a plain table lookup, no call into C; the rest falls through to
 * contact_field. Rules never reach these tables: the metatables are hidden. */
static void make_proxies(playbook_t *pb) {
    static const luaL_Reg methods[] = {
        {"count", contact_count_method}, {"did", contact_did_method},
        {"since", contact_since_method}, {"committee", contact_committee_method},
        {"dwell", contact_dwell_method}, {"after", contact_after_method},
        {NULL, NULL},
    };
    lua_State *L = pb->L;
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    make_field_proxy(L, MIND_META, mind_index, "mind");
    make_field_proxy(L, FACTS_META, facts_index, "facts");
    make_field_proxy(L, ACCOUNT_FACTS_META, account_facts_index, "account_facts");
    make_field_proxy(L, ACCOUNT_MIND_META, account_mind_index, "account_mind");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, contact_field);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    make_proxy(L, CONTACT_META);
    pb->contact_proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    lua_createtable(L, 0, 8); /* the event proxy reads through its table of fields */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, event_miss);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    pb->event_fields_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    make_proxy(L, EVENT_META);
    pb->event_proxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    lua_newtable(L); /* see anchor_string */
    pb->name_anchors_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ---- best{}: choosing content from the catalogue ---------------------------------------- */

static int lists(char *const *list, int count, const char *value) {
    for (int i = 0; i < count; i++)
        if (strcmp(list[i], value) == 0)
            return 1;
    return 0;
}

/* Reads criterion 'key' of the table at index 1 as a string, or NULL. */
static const char *criterion(lua_State *L, const char *key) {
    lua_getfield(L, 1, key);
    const char *value = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* the string stays alive: the criteria table holds it */
    return value;
}

/* best { addresses = "anxiety", industry = c.facts.industry, stage = c.stage, topic = "roi",
 *        channel = "email", fresh_for = "14d" }: the catalogue entry that fits the contact
 * best, or nil. A content that lists industries or stages must include the contact's;
 * 'addresses' must be among the states it addresses; then an industry match counts most, a
 * topic next, and declaration order breaks ties. Content the contact received within
 * 'fresh_for' (default 14 days) is skipped, so the same story is not sent again. */
static int choose_best(lua_State *L) {
    static const char *const fields[] = {"addresses", "industry", "stage", "topic",
                                         "channel", "fresh_for", NULL};
    playbook_t *pb = from_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    if (pb->contact == NULL)
        return luaL_error(L, "best{} chooses content while a rule runs, not at load time");
    check_fields(L, 1, "best", fields);
    const char *addresses = criterion(L, "addresses"), *industry = criterion(L, "industry");
    const char *stage = criterion(L, "stage"), *topic = criterion(L, "topic");
    const char *channel = criterion(L, "channel"), *fresh_for = criterion(L, "fresh_for");
    int64_t fresh_ms = 14LL * 86400 * 1000;
    nerr_t err;
    if (fresh_for && clock_parse_duration(fresh_for, &fresh_ms, &err) != 0)
        return luaL_error(L, "best: 'fresh_for': %s", err.msg);
    const content_t *chosen = NULL;
    int best_score = -1;
    for (int i = 0; i < pb->content_count; i++) {
        const content_t *c = &pb->contents[i];
        int64_t last = contact_last_sent(pb->contact, c->id);
        if ((channel && (!c->channel || strcmp(c->channel, channel) != 0)) ||
            (addresses && !lists(c->addresses, c->address_count, addresses)) ||
            (c->industry_count && (!industry || !lists(c->industries, c->industry_count, industry))) ||
            (c->stage_count && (!stage || !lists(c->stages, c->stage_count, stage))) ||
            (last >= 0 && pb->event->at_ms - last < fresh_ms))
            continue;
        int score = 4 * (c->industry_count > 0) + 2 * (topic && lists(c->topics, c->topic_count, topic)) +
                    (c->stage_count > 0);
        if (score > best_score) {
            best_score = score;
            chosen = c;
        }
    }
    if (chosen == NULL)
        return 0;
    lua_pushstring(L, chosen->id);
    return 1;
}

/* ---- loading ---------------------------------------------------------------------------- */

static int message_handler(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING)
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

static int has_lua_suffix(const char *name) {
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".lua") == 0 && name[0] != '.';
}

static int filter_lua(const struct dirent *entry) { return has_lua_suffix(entry->d_name); }

static char *read_file(const char *path, size_t *size, nerr_t *err) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        nerr_set(err, NERR_IO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buffer = malloc(MAX_FILE_BYTES + 1);
    *size = buffer ? fread(buffer, 1, MAX_FILE_BYTES + 1, f) : 0;
    int failed = buffer == NULL || ferror(f) || *size > MAX_FILE_BYTES;
    fclose(f);
    if (failed) {
        free(buffer);
        nerr_set(err, NERR_IO, "%s: unreadable or larger than %d bytes", path, MAX_FILE_BYTES);
        return NULL;
    }
    return buffer;
}

/* Runs one rule file: text only, chunk named after the file so errors read "file:line:". */
static int run_file(playbook_t *pb, const char *dir, const char *name, uint64_t *version,
                    nerr_t *err) {
    char path[4096];
    size_t size;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_file(path, &size, err);
    if (text == NULL)
        return NERR_IO;
    *version = hash_update_str(*version, name);
    *version = hash_update(*version, text, size);

    lua_State *L = pb->L;
    lua_pushcfunction(L, message_handler);
    char chunkname[4200];
    snprintf(chunkname, sizeof chunkname, "@%s", path);
    int rc = luaL_loadbufferx(L, text, size, chunkname, "t");
    free(text);
    if (rc == LUA_OK) {
        arm_budget(pb);
        rc = lua_pcall(L, 0, 0, -2);
    }
    if (rc != LUA_OK) {
        nerr_set(err, NERR_INVALID, "%s", lua_tostring(L, -1));
        lua_settop(L, 0);
        return NERR_INVALID;
    }
    lua_settop(L, 0);
    return 0;
}

static int stage_known(const playbook_t *pb, const char *stage) {
    return playbook_stage_index(pb, stage) >= 0;
}

/* Notes each rule's stages as bits, once the stages are final, so the decision loops test a
 * bit instead of comparing names. */
static void set_stage_bits(playbook_t *pb) {
    for (int i = 0; i < pb->rule_count; i++) {
        rule_t *r = &pb->rules[i];
        r->stage_bits = 0;
        for (int k = 0; k < r->stage_count; k++) {
            int index = playbook_stage_index(pb, r->stages[k]);
            if (index >= 0 && index < 64)
                r->stage_bits |= (uint64_t)1 << index;
        }
    }
}

/* Cross-references that only make sense once every file has loaded. */
static int validate(const playbook_t *pb, nerr_t *err) {
    for (int i = 0; i < pb->rule_count; i++) {
        const rule_t *r = &pb->rules[i];
        /* Once a playbook declares its states, a state it does not declare is a typo. */
        for (int k = 0; pb->state_count > 0 && k < r->effect_count; k++)
            if (!state_declared(pb, r->effects[k].state))
                return nerr_set(err, NERR_INVALID, "%s:%d: %s: unknown mind state '%s'", r->file,
                                r->line, r->name, r->effects[k].state);
        for (int k = 0; pb->state_count > 0 && k < r->mind_count; k++)
            if (!state_declared(pb, r->mind[k].state))
                return nerr_set(err, NERR_INVALID, "%s:%d: %s: unknown mind state '%s'", r->file,
                                r->line, r->name, r->mind[k].state);
        for (int k = 0; k < r->stage_count; k++)
            if (!stage_known(pb, r->stages[k]))
                return nerr_set(err, NERR_INVALID, "%s:%d: %s: unknown stage '%s'", r->file,
                                r->line, r->name, r->stages[k]);
        if (r->to_stage && !stage_known(pb, r->to_stage))
            return nerr_set(err, NERR_INVALID, "%s:%d: %s: unknown stage '%s'", r->file, r->line,
                            r->name, r->to_stage);
        if (r->content && !playbook_content(pb, r->content))
            return nerr_set(err, NERR_INVALID, "%s:%d: %s: unknown content '%s'", r->file,
                            r->line, r->name, r->content);
        if (r->kind == RULE_ACT && r->action_kind == ACTION_CONTENT && r->channel == NULL &&
            r->content && playbook_content(pb, r->content)->channel == NULL)
            return nerr_set(err, NERR_INVALID,
                            "%s:%d: %s: no channel: set send.channel or the content's channel",
                            r->file, r->line, r->name);
    }
    return 0;
}

/* A test that expects an unknown stage, content or rule could never pass: say so at load. */
static int validate_tests(const playbook_t *pb, nerr_t *err) {
    for (int i = 0; i < pb->test_count; i++) {
        const playbook_test_t *t = &pb->tests[i];
        if (t->expect_stage && !stage_known(pb, t->expect_stage))
            return nerr_set(err, NERR_INVALID, "%s:%d: test %s: unknown stage '%s'", t->file,
                            t->line, t->name, t->expect_stage);
        for (int k = 0; k < t->expect_count + t->refuse_count; k++) {
            const playbook_expect_t *e = k < t->expect_count ? &t->expect[k] : &t->refuse[k - t->expect_count];
            if (e->content && !playbook_content(pb, e->content))
                return nerr_set(err, NERR_INVALID, "%s:%d: test %s: unknown content '%s'",
                                t->file, t->line, t->name, e->content);
            if (e->rule && !playbook_find_rule(pb, e->rule))
                return nerr_set(err, NERR_INVALID, "%s:%d: test %s: unknown rule '%s'", t->file,
                                t->line, t->name, e->rule);
        }
    }
    return 0;
}

static int by_priority(const void *a, const void *b) {
    const rule_t *x = a, *y = b;
    if ((x->kind == RULE_ACT) != (y->kind == RULE_ACT))
        return x->kind == RULE_ACT ? 1 : -1;
    if (x->kind == RULE_ACT && x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    return x < y ? -1 : x > y; /* stable: declaration order */
}

/* Lists each kind's rules once the rules are sorted and will not move again. */
static int index_by_kind(playbook_t *pb) {
    for (int k = 0; k < RULE_KIND_COUNT; k++) {
        pb->by_kind[k] = calloc((size_t)(pb->rule_count ? pb->rule_count : 1), sizeof *pb->by_kind[k]);
        if (pb->by_kind[k] == NULL)
            return NERR_NOMEM;
    }
    for (int i = 0; i < pb->rule_count; i++) {
        rule_kind_t kind = pb->rules[i].kind;
        pb->by_kind[kind][pb->by_kind_count[kind]++] = &pb->rules[i];
    }
    return 0;
}

/* The group of a mask of kinds, or -1 when no list is kept for it. */
static int on_group(unsigned kinds) {
    for (int k = 0; k < RULE_KIND_COUNT; k++)
        if (kinds == 1u << k)
            return k;
    return kinds == MIND_AND_STAGE ? RULE_KIND_COUNT : -1;
}

static unsigned group_kinds(int group) {
    return group < RULE_KIND_COUNT ? 1u << group : MIND_AND_STAGE;
}

/* Whether 'rule' can fire on the touchpoint types of 'slot': its `on` names one of them or is
 * unset. */
static int listens_to(const playbook_t *pb, const rule_t *rule, int slot) {
    for (int k = 0; k < rule->on_count; k++)
        if ((intptr_t)strmap_get(&pb->on_types, rule->on[k]) == slot)
            return 1;
    return rule->on_count == 0;
}

/* Fills group 'group' of the per-type lists: for each slot, the rules whose `on` is unset or
 * that slot's type. */
static int fill_on_group(playbook_t *pb, int group) {
    int slots = pb->on_type_count + 1;
    pb->on_start[group] = calloc((size_t)slots + 1, sizeof *pb->on_start[group]);
    pb->on_rules[group] = calloc((size_t)slots * (size_t)(pb->rule_count ? pb->rule_count : 1),
                                 sizeof *pb->on_rules[group]);
    if (pb->on_start[group] == NULL || pb->on_rules[group] == NULL)
        return NERR_NOMEM;
    int n = 0;
    for (int slot = 0; slot < slots; slot++) {
        pb->on_start[group][slot] = n;
        for (int i = 0; i < pb->rule_count; i++) {
            const rule_t *r = &pb->rules[i];
            if ((group_kinds(group) & (1u << r->kind)) && listens_to(pb, r, slot))
                pb->on_rules[group][n++] = r;
        }
    }
    pb->on_start[group][slots] = n;
    return 0;
}

/* Splits the act rules of each type slot by the stages they apply in: act rules cannot move
 * the contact, so a touchpoint's act rules are those of its type and stage, and the others
 * need not be looked at one by one. */
static int index_act_by_stage(playbook_t *pb) {
    if (pb->stage_count > 64)
        return 0; /* stages past the bits of stage_bits: the per-type lists serve */
    int slots = pb->on_type_count + 1;
    const int *start = pb->on_start[RULE_ACT];
    size_t room = (size_t)start[slots] * (size_t)pb->stage_count;
    pb->act_stage_start =
        calloc((size_t)slots * (size_t)pb->stage_count + 1, sizeof *pb->act_stage_start);
    pb->act_by_stage = calloc(room ? room : 1, sizeof *pb->act_by_stage);
    if (pb->act_stage_start == NULL || pb->act_by_stage == NULL)
        return NERR_NOMEM;
    int n = 0;
    for (int slot = 0; slot < slots; slot++)
        for (int stage = 0; stage < pb->stage_count; stage++) {
            pb->act_stage_start[slot * pb->stage_count + stage] = n;
            for (int i = start[slot]; i < start[slot + 1]; i++) {
                const rule_t *r = pb->on_rules[RULE_ACT][i];
                if (playbook_rule_in_stage(r, stage, pb->stages[stage]))
                    pb->act_by_stage[n++] = r;
            }
        }
    pb->act_stage_start[slots * pb->stage_count] = n;
    return 0;
}

/* Gives each field a `where` names a slot, so that a run looks each up once. */
static int index_where_fields(playbook_t *pb) {
    int count = 0;
    for (int i = 0; i < pb->rule_count; i++)
        for (int k = 0; k < pb->rules[i].where_count; k++) {
            rule_match_t *condition = &pb->rules[i].where[k];
            intptr_t slot = (intptr_t)strmap_get(&pb->where_fields, condition->field);
            if (slot == 0 && strmap_put(&pb->where_fields, condition->field,
                                        (void *)(slot = ++count)) != 0)
                return NERR_NOMEM;
            condition->field_slot = (int)slot - 1;
        }
    pb->where_found = calloc((size_t)count + 1, sizeof *pb->where_found);
    pb->where_run = calloc((size_t)count + 1, sizeof *pb->where_run);
    return pb->where_found && pb->where_run ? 0 : NERR_NOMEM;
}

/* Points each `mind` condition at its state's declaration, which no longer moves once every
 * file has loaded, so that checking it finds the state without comparing names. */
static void index_mind_states(playbook_t *pb) {
    for (int i = 0; i < pb->rule_count; i++)
        for (int k = 0; k < pb->rules[i].mind_count; k++) {
            rule_mind_t *condition = &pb->rules[i].mind[k];
            const state_def_t *def = find_declared(pb, condition->state);
            condition->state_slot = def ? (int)(def - pb->states) : -1;
        }
}

/* Lists, once the rules are sorted, the rules each touchpoint type can fire, so that deciding
 * a touchpoint compares its type once instead of every rule's `on`. */
static int index_by_type(playbook_t *pb) {
    for (int i = 0; i < pb->rule_count; i++)
        for (int k = 0; k < pb->rules[i].on_count; k++) {
            const char *on = pb->rules[i].on[k];
            if (strmap_get(&pb->on_types, on) == NULL &&
                strmap_put(&pb->on_types, on, (void *)(intptr_t)++pb->on_type_count) != 0)
                return NERR_NOMEM;
        }
    for (int group = 0; group < ON_GROUPS; group++)
        if (fill_on_group(pb, group) != 0)
            return NERR_NOMEM;
    return index_act_by_stage(pb) || index_where_fields(pb) ? NERR_NOMEM : 0;
}

static int set_default_stages(playbook_t *pb) {
    int n = (int)(sizeof DEFAULT_STAGES / sizeof DEFAULT_STAGES[0]);
    pb->stages = calloc((size_t)n, sizeof *pb->stages);
    if (pb->stages == NULL)
        return NERR_NOMEM;
    for (pb->stage_count = 0; pb->stage_count < n; pb->stage_count++)
        if ((pb->stages[pb->stage_count] = strdup(DEFAULT_STAGES[pb->stage_count])) == NULL)
            return NERR_NOMEM;
    return 0;
}

static int load_files(playbook_t *pb, const char *dir, nerr_t *err) {
    struct dirent **entries;
    int n = scandir(dir, &entries, filter_lua, alphasort);
    if (n < 0)
        return nerr_set(err, NERR_IO, "%s: %s", dir, strerror(errno));
    uint64_t version = HASH_SEED;
    int rc = n == 0 ? nerr_set(err, NERR_INVALID, "%s: no .lua files in the playbook", dir) : 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = run_file(pb, dir, entries[i]->d_name, &version, err);
        free(entries[i]);
    }
    free(entries);
    hash_hex(version, pb->version);
    return rc;
}

playbook_t *playbook_load(const char *dir, nerr_t *err) {
    playbook_t *pb = calloc(1, sizeof *pb);
    if (pb == NULL || set_default_stages(pb) != 0)
        goto nomem;
    pb->hours = (playbook_hours_t){.business_from_min = 9 * 60, .business_to_min = 18 * 60,
                                   .business_days = 0x3e /* Monday to Friday */};
    pb->L = lua_newstate(limited_alloc, pb);
    if (pb->L == NULL)
        goto nomem;
    lua_State *L = pb->L;
    memcpy(lua_getextraspace(L), &pb, sizeof pb); /* for from_state */
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
    open_sandbox(L);
    register_declarations(L);
    make_proxies(pb);
    if (load_files(pb, dir, err) != 0)
        goto fail;
    pb->is_loaded = 1;
    if (validate(pb, err) != 0 || validate_tests(pb, err) != 0)
        goto fail;
    set_stage_bits(pb);
    /* Sorting moves the rule records, never the Lua references they hold. A playbook may
     * have no rules at all, and qsort must not be given their NULL array. */
    if (pb->rule_count > 0)
        qsort(pb->rules, (size_t)pb->rule_count, sizeof *pb->rules, by_priority);
    if (index_by_kind(pb) != 0 || index_by_type(pb) != 0)
        goto nomem;
    index_mind_states(pb);
    return pb;

nomem:
    nerr_set(err, NERR_NOMEM, "out of memory loading playbook %s", dir);
fail:
    playbook_free(pb);
    return NULL;
}

static void free_list(char **list, int count);

static void free_matches(rule_match_t *list, int count) {
    for (int k = 0; k < count; k++) {
        free(list[k].field);
        cJSON_Delete(list[k].values);
    }
    free(list);
}

static void rule_close(rule_t *r) {
    for (int k = 0; k < r->stage_count; k++)
        free(r->stages[k]);
    for (int k = 0; k < r->effect_count; k++)
        free(r->effects[k].state);
    free(r->stages);
    free(r->effects);
    free(r->name);
    free(r->file);
    free_list(r->on, r->on_count);
    free_matches(r->where, r->where_count);
    free_matches(r->facts, r->facts_count);
    for (int k = 0; k < r->mind_count; k++)
        free(r->mind[k].state);
    free(r->mind);
    free(r->to_stage);
    free(r->content);
    free(r->task_role);
    free(r->task_title);
    free(r->task_key);
    free(r->channel);
    free(r->because);
    cJSON_Delete(r->set_facts);
}

static void free_list(char **list, int count) {
    for (int i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

static void expects_close(playbook_expect_t *list, int count) {
    for (int i = 0; i < count; i++) {
        free(list[i].content);
        free(list[i].task_role);
        free(list[i].rule);
        free(list[i].channel);
    }
    free(list);
}

static void test_close(playbook_test_t *t) {
    free(t->name);
    free(t->file);
    free(t->contact);
    cJSON_Delete(t->events);
    expects_close(t->expect, t->expect_count);
    expects_close(t->refuse, t->refuse_count);
    free(t->expect_stage);
    cJSON_Delete(t->expect_facts);
    for (int i = 0; i < t->expect_mind_count; i++)
        free(t->expect_mind[i].state);
    free(t->expect_mind);
}

void playbook_free(playbook_t *pb) {
    if (pb == NULL)
        return;
    for (int k = 0; k < RULE_KIND_COUNT; k++)
        free(pb->by_kind[k]);
    for (int group = 0; group < ON_GROUPS; group++) {
        free(pb->on_rules[group]);
        free(pb->on_start[group]);
    }
    free(pb->act_by_stage);
    free(pb->act_stage_start);
    strmap_close(&pb->on_types, NULL);
    strmap_close(&pb->where_fields, NULL);
    free(pb->where_found);
    free(pb->where_run);
    for (int i = 0; i < pb->test_count; i++)
        test_close(&pb->tests[i]);
    free(pb->tests);
    if (pb->L)
        lua_close(pb->L);
    for (int i = 0; i < pb->rule_count; i++)
        rule_close(&pb->rules[i]);
    for (int i = 0; i < pb->content_count; i++) {
        free(pb->contents[i].id);
        free(pb->contents[i].title);
        free(pb->contents[i].url);
        free(pb->contents[i].channel);
        free_list(pb->contents[i].stages, pb->contents[i].stage_count);
        free_list(pb->contents[i].addresses, pb->contents[i].address_count);
        free_list(pb->contents[i].topics, pb->contents[i].topic_count);
        free_list(pb->contents[i].industries, pb->contents[i].industry_count);
    }
    for (int i = 0; i < pb->state_count; i++)
        free(pb->states[i].name);
    for (int i = 0; i < pb->stage_count; i++)
        free(pb->stages[i]);
    free(pb->rules);
    free(pb->contents);
    free(pb->states);
    free(pb->stages);
    free(pb->stages_file);
    free(pb);
}

/* ---- queries ---------------------------------------------------------------------------- */

const char *playbook_version(const playbook_t *pb) { return pb->version; }
int playbook_rule_count(const playbook_t *pb) { return pb->rule_count; }
const rule_t *playbook_rule(const playbook_t *pb, int index) { return &pb->rules[index]; }
int playbook_stage_count(const playbook_t *pb) { return pb->stage_count; }

void playbook_set_account(playbook_t *pb, account_t *account) { pb->account = account; }

int playbook_test_count(const playbook_t *pb) { return pb->test_count; }

const rule_t *const *playbook_rules_of(const playbook_t *pb, rule_kind_t kind, int *count) {
    *count = pb->by_kind_count[kind];
    return pb->by_kind[kind];
}
const rule_t *const *playbook_rules_on(const playbook_t *pb, unsigned kinds, const char *type,
                                       int *count) {
    return playbook_rules_in_slot(pb, kinds, playbook_type_slot(pb, type), count);
}

int playbook_type_slot(const playbook_t *pb, const char *type) {
    return pb->on_type_count ? (int)(intptr_t)strmap_get(&pb->on_types, type) : 0;
}

const rule_t *const *playbook_rules_in_slot(const playbook_t *pb, unsigned kinds, int slot,
                                            int *count) {
    int group = on_group(kinds);
    if (group < 0) {
        *count = 0;
        return NULL;
    }
    const int *start = pb->on_start[group];
    *count = start[slot + 1] - start[slot];
    return pb->on_rules[group] + start[slot];
}

const rule_t *const *playbook_act_rules_in_stage(const playbook_t *pb, int slot, int stage_index,
                                                 int *count) {
    if (pb->act_by_stage == NULL || stage_index < 0 || stage_index >= pb->stage_count)
        return playbook_rules_in_slot(pb, 1u << RULE_ACT, slot, count);
    const int *start = pb->act_stage_start + slot * pb->stage_count + stage_index;
    *count = start[1] - start[0];
    return pb->act_by_stage + start[0];
}

const playbook_hours_t *playbook_hours(const playbook_t *pb) { return &pb->hours; }
const playbook_test_t *playbook_test(const playbook_t *pb, int index) { return &pb->tests[index]; }

/* The lookups by name below compare first letters before calling strcmp: they run for every
 * action (its content, the rules behind its evidence) and every touchpoint (its stage). */
const rule_t *playbook_find_rule(const playbook_t *pb, const char *name) {
    for (int i = 0; i < pb->rule_count; i++)
        if (pb->rules[i].name[0] == name[0] && strcmp(pb->rules[i].name, name) == 0)
            return &pb->rules[i];
    return NULL;
}
const char *playbook_stage(const playbook_t *pb, int index) { return pb->stages[index]; }

int playbook_stage_index(const playbook_t *pb, const char *name) {
    for (int i = 0; i < pb->stage_count; i++)
        if (pb->stages[i][0] == name[0] && strcmp(pb->stages[i], name) == 0)
            return i;
    return -1;
}


int64_t playbook_half_life_ms(const playbook_t *pb, const char *name) {
    const state_def_t *def = find_declared(pb, name);
    return def ? def->half_life_ms : DEFAULT_HALF_LIFE_MS;
}

const content_t *playbook_content(const playbook_t *pb, const char *id) {
    for (int i = 0; i < pb->content_count; i++)
        if (pb->contents[i].id[0] == id[0] && strcmp(pb->contents[i].id, id) == 0)
            return &pb->contents[i];
    return NULL;
}

/* ---- evaluation ------------------------------------------------------------------------- */

#define EVAL_BASE 3 /* stack slots kept between calls: the message handler and the proxies */

/* Makes the stack hold just the message handler, the contact proxy and the event proxy (left
 * there by the previous call, unless something else ran since), so that a call pushes its
 * function and copies of the proxies instead of fetching them from the registry. */
static void eval_base(playbook_t *pb) {
    lua_State *L = pb->L;
    if (lua_gettop(L) == EVAL_BASE && lua_tocfunction(L, 1) == message_handler)
        return; /* only the evaluation leaves the handler at the bottom, and the proxies on it */
    lua_settop(L, 0);
    lua_pushcfunction(L, message_handler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, pb->contact_proxy_ref);
    lua_rawgeti(L, LUA_REGISTRYINDEX, pb->event_proxy_ref);
}

/* Fills 'err' for a rule whose protected call ended with status 'rc', the error value on top
 * of the stack. */
static void describe_failure(lua_State *L, const rule_t *rule, int rc, nerr_t *err) {
    if (rc == LUA_ERRMEM) /* raised without the message handler: say where ourselves */
        nerr_set(err, NERR_RULE, "%s:%d: memory cap of %u bytes reached (rule %s)", rule->file,
                 rule->line, MEMORY_LIMIT_BYTES, rule->name);
    else
        nerr_set(err, NERR_RULE, "%s (rule %s)", lua_tostring(L, -1), rule->name);
}

/* Calls the function 'ref' with the event and contact proxies in the order the rule kind
 * takes them (infer, advance, goal: e, c; act, suppress: c, e), leaving one result on the
 * stack above the EVAL_BASE slots. */
static int call_rule_function(playbook_t *pb, const rule_t *rule, int ref, contact_t *contact,
                              const event_t *event, playbook_reads_t *reads, nerr_t *err) {
    lua_State *L = pb->L;
    pb->contact = contact;
    pb->event = event;
    pb->reads = reads;
    event_table(pb, event);
    eval_base(pb);
    arm_budget(pb);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    int is_contact_first = rule->kind == RULE_ACT || rule->kind == RULE_SUPPRESS;
    lua_pushvalue(L, is_contact_first ? 2 : 3);
    lua_pushvalue(L, is_contact_first ? 3 : 2);
    int rc = lua_pcall(L, 2, 1, 1);
    pb->reads = NULL;
    if (rc != LUA_OK) {
        describe_failure(L, rule, rc, err);
        lua_settop(L, EVAL_BASE);
        return NERR_RULE;
    }
    return 0;
}

int playbook_eval_when(playbook_t *pb, const rule_t *rule, contact_t *contact,
                       const event_t *event, int *is_true, playbook_reads_t *reads, nerr_t *err) {
    if (reads) /* the lists are read only up to their counts */
        reads->state_count = reads->fact_count = reads->account_state_count = 0;
    if (rule->when_ref == LUA_NOREF) {
        *is_true = 1;
        return 0;
    }
    if (call_rule_function(pb, rule, rule->when_ref, contact, event, reads, err))
        return NERR_RULE;
    *is_true = lua_toboolean(pb->L, -1);
    lua_settop(pb->L, EVAL_BASE);
    return 0;
}

/* The catalogue id a content function left on top of the stack, or NULL: when it chose
 * nothing ('err' untouched) or something that is not a known id (NERR_RULE in 'err'). The
 * id lives as long as the value stays on the stack. */
static const char *chosen_content(lua_State *L, const playbook_t *pb, const rule_t *rule,
                                  nerr_t *err) {
    if (lua_type(L, -1) == LUA_TSTRING) {
        const char *id = lua_tostring(L, -1);
        if (playbook_content(pb, id) != NULL)
            return id;
        nerr_set(err, NERR_RULE, "%s:%d: content function of rule %s chose unknown content '%s'",
                 rule->file, rule->line, rule->name, id);
    } else if (!lua_isnil(L, -1)) {
        nerr_set(err, NERR_RULE, "%s:%d: content function of rule %s returned a %s, not an id",
                 rule->file, rule->line, rule->name, luaL_typename(L, -1));
    }
    return NULL;
}

char *playbook_eval_content(playbook_t *pb, const rule_t *rule, contact_t *contact,
                            const event_t *event, playbook_reads_t *reads, nerr_t *err) {
    nerr_t local;
    if (err == NULL)
        err = &local;
    err->code = 0;
    if (call_rule_function(pb, rule, rule->content_ref, contact, event, reads, err))
        return NULL;
    lua_State *L = pb->L;
    const char *chosen = chosen_content(L, pb, rule, err);
    char *id = chosen ? strdup(chosen) : NULL;
    if (chosen && id == NULL)
        nerr_set(err, NERR_NOMEM, "out of memory");
    lua_settop(L, EVAL_BASE);
    return id;
}

/* ---- running a list of rules in one protected call -------------------------------------- */

/* A playbook_run_rules call in progress. Entering Lua costs far more than a small condition,
 * so the rules of a list run inside one protected call (run_rules_protected); only a rule that
 * fails costs another. */
struct rule_run {
    const playbook_list_t *lists; /* run one after the other */
    int list_count;
    int list; /* the index of the list in progress */
    const rule_t *const *rules; /* that list's */
    int count;
    int next;    /* the index of the next rule to consider */
    int running; /* the index of the rule between its start and its visitor's return, or -1 */
    int results_kept; /* rules whose results are still on the stack (see run_one_rule) */
    const playbook_visitor_t *visitor;
    playbook_reads_t reads;
    int rc; /* the visitor's code that ended the run, or 0 */
};

/* Whether a touchpoint's field or a fact holds 'wanted' (a string, number or boolean), as ==
 * would find it in Lua. */
static int field_is(const cJSON *field, const cJSON *wanted) {
    if (cJSON_IsString(wanted))
        return cJSON_IsString(field) && field->valuestring[0] == wanted->valuestring[0] &&
               strcmp(field->valuestring, wanted->valuestring) == 0;
    if (cJSON_IsNumber(wanted))
        return cJSON_IsNumber(field) && field->valuedouble == wanted->valuedouble;
    return (cJSON_IsTrue(field) && cJSON_IsTrue(wanted)) ||
           (cJSON_IsFalse(field) && cJSON_IsFalse(wanted));
}

/* Whether 'value' (NULL: absent, which holds none) holds one of 'wanted', an array. */
static int holds_one_of(const cJSON *value, const cJSON *wanted) {
    const cJSON *one;
    cJSON_ArrayForEach(one, wanted) {
        if (value != NULL && field_is(value, one))
            return 1;
    }
    return 0;
}

/* Whether the contact's facts meet every condition of the rule's `facts`: then its condition
 * runs. Notes the facts read for the reason, as reading them through c.facts does. */
static int fits_facts(playbook_t *pb, const rule_t *rule) {
    for (int i = 0; i < rule->facts_count; i++) {
        const cJSON *fact = member_of(pb->contact->facts, rule->facts[i].field);
        if (!holds_one_of(fact, rule->facts[i].values))
            return 0;
        if (pb->reads)
            note_read(pb->reads->facts, &pb->reads->fact_count, fact->string);
    }
    return 1;
}

static int within_bounds(const rule_mind_t *condition, double value) {
    int above_low = condition->low_inclusive ? value >= condition->low : value > condition->low;
    int below_high =
        condition->high_inclusive ? value <= condition->high : value < condition->high;
    return above_low && below_high;
}

/* Whether each state the rule's `mind` and `account_mind` name lies within its bounds at the
 * touchpoint's time: then its condition runs. Checked here, in C, as `where` is: most action
 * rules wait for one state to rise, and asking Lua costs more than reading it. Notes the
 * states read for the reason, as reading them through c.mind does. */
static int fits_mind(playbook_t *pb, const rule_t *rule) {
    for (int i = 0; i < rule->mind_count; i++) {
        const rule_mind_t *condition = &rule->mind[i];
        const mind_t *mind = !condition->of_account ? &pb->contact->mind
                             : pb->account          ? &pb->account->mind
                                                    : NULL;
        state_def_t *def = condition->state_slot >= 0 ? &pb->states[condition->state_slot] : NULL;
        double value = 0.0;
        const mind_state_t *state =
            mind ? read_state(pb, mind, condition->state, def, &value) : NULL;
        if (!within_bounds(condition, value))
            return 0;
        if (state && pb->reads && condition->of_account)
            note_read(pb->reads->account_states, &pb->reads->account_state_count, state->name);
        else if (state && pb->reads)
            note_read(pb->reads->states, &pb->reads->state_count, state->name);
    }
    return 1;
}

/* Calls the rule's function 'ref' with the contact and event proxies (arguments 1 and 2 of
 * run_rules_protected) in the order its kind takes them, leaving one result, under a fresh
 * instruction budget. A failure unwinds to playbook_run_lists. */
static inline void call_in_run(playbook_t *pb, const rule_t *rule, int ref) {
    lua_State *L = pb->L;
    int is_contact_first = rule->kind == RULE_ACT || rule->kind == RULE_SUPPRESS;
    arm_budget(pb);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushvalue(L, is_contact_first ? 1 : 2);
    lua_pushvalue(L, is_contact_first ? 2 : 1);
    lua_call(L, 2, 1);
}

#define RESULTS_KEPT_MAX 12 /* see run_one_rule */
_Static_assert(2 + RESULTS_KEPT_MAX + 2 + 3 <= LUA_MINSTACK,
               "the proxies, kept results, a condition's and a content function's results and "
               "a call's function and arguments fit the stack a C function is promised");

/* Runs one rule's condition (and content function, when asked) and hands the outcome to the
 * visitor, returning the visitor's code. */
static inline int run_one_rule(playbook_t *pb, struct rule_run *run, const rule_t *rule) {
    lua_State *L = pb->L;
    const playbook_visitor_t *visitor = run->visitor;
    playbook_outcome_t outcome = {rule, 1, NULL, NULL, NULL};
    nerr_t err;
    if (visitor->with_reads) { /* the lists are read only up to their counts */
        run->reads.state_count = run->reads.fact_count = run->reads.account_state_count = 0;
        outcome.reads = &run->reads;
    }
    pb->reads = outcome.reads;
    if (!fits_mind(pb, rule) || !fits_facts(pb, rule) || /* not run, as for `where` */
        (visitor->wants != NULL && !visitor->wants(visitor->ctx, rule))) {
        pb->reads = NULL;
        return 0;
    }
    if (rule->when_ref != LUA_NOREF) {
        call_in_run(pb, rule, rule->when_ref);
        outcome.is_true = lua_toboolean(L, -1); /* left there until the visitor returns */
    }
    if (outcome.is_true && visitor->with_content && rule->content_ref != LUA_NOREF) {
        call_in_run(pb, rule, rule->content_ref);
        err.code = 0;
        outcome.content = chosen_content(L, pb, rule, &err);
        outcome.error = err.code ? &err : NULL;
    }
    pb->reads = NULL;
    int rc = visitor->take(visitor->ctx, &outcome);
    /* The results are dropped after every few rules rather than after each: a C function is
     * promised LUA_MINSTACK (20) slots, enough for the proxies, RESULTS_KEPT_MAX results and
     * the next call's function and arguments. */
    if (++run->results_kept == RESULTS_KEPT_MAX / 2) { /* a rule leaves at most two */
        lua_settop(L, 2); /* the proxies */
        run->results_kept = 0;
    }
    return rc;
}

/* The body of the protected call: works through the run from 'next' until it ends, the
 * visitor stops it, or a rule fails (then the error unwinds with 'running' set). */
/* Returns 1 while the run has a rule to consider, moving it on to its next list once the
 * current one is over (every rule considered, or its visitor said PLAYBOOK_STOP); a visitor's
 * error code ends the whole run. */
static inline int run_goes_on(struct rule_run *run) {
    for (;;) {
        if (run->rc != 0 && run->rc != PLAYBOOK_STOP)
            return 0;
        if (run->rc == 0 && run->next < run->count)
            return 1;
        if (run->list + 1 >= run->list_count)
            return 0;
        const playbook_list_t *list = &run->lists[++run->list];
        if (list->choose != NULL) {
            run->rules = list->choose(list->visitor->ctx, &run->count);
        } else {
            run->rules = list->rules;
            run->count = list->count;
        }
        run->visitor = list->visitor;
        run->next = 0;
        run->rc = 0;
    }
}

/* Whether 'event' meets every condition of the rule's `where`: then the rule runs. Checked
 * here, in C, so that the rules of a touchpoint type that look at other pages or forms cost
 * no call into Lua. */
static int fits_where(playbook_t *pb, const rule_t *rule) {
    for (int i = 0; i < rule->where_count; i++) {
        int slot = rule->where[i].field_slot;
        if (pb->where_run[slot] != pb->run_count) { /* the first rule of the run to ask */
            pb->where_found[slot] = event_field(pb->event, rule->where[i].field);
            pb->where_run[slot] = pb->run_count;
        }
        if (!holds_one_of(pb->where_found[slot], rule->where[i].values))
            return 0;
    }
    return 1;
}

static int run_rules_protected(lua_State *L) {
    playbook_t *pb = from_state(L);
    struct rule_run *run = pb->run;
    run->results_kept = 0; /* the stack holds the proxies only */
    while (run_goes_on(run)) {
        const rule_t *rule = run->rules[run->next];
        run->running = run->next++;
        if (fits_where(pb, rule))
            run->rc = run_one_rule(pb, run, rule);
        run->running = -1;
    }
    return 0;
}

/* Reports the failure that ended a protected call to the visitor, for the rule that was
 * running (or, for a failure between rules, which only running out of memory can cause, the
 * next one, so the run always moves on). */
static void report_failure(playbook_t *pb, struct rule_run *run, int status) {
    if (run->running < 0 && run->next < run->count)
        run->running = run->next++;
    if (run->running >= 0) {
        nerr_t err;
        const rule_t *rule = run->rules[run->running];
        describe_failure(pb->L, rule, status, &err);
        playbook_outcome_t outcome = {rule, 0, NULL, NULL, &err};
        run->rc = run->visitor->take(run->visitor->ctx, &outcome);
    }
    run->running = -1;
    lua_settop(pb->L, EVAL_BASE);
}

int playbook_run_rules(playbook_t *pb, const rule_t *const *rules, int count, contact_t *contact,
                       const event_t *event, const playbook_visitor_t *visitor) {
    const playbook_list_t list = {rules, count, visitor, NULL};
    return playbook_run_lists(pb, &list, 1, contact, event);
}

int playbook_run_lists(playbook_t *pb, const playbook_list_t *lists, int list_count,
                       contact_t *contact, const event_t *event) {
    struct rule_run run = {.lists = lists, .list_count = list_count, .list = -1, .running = -1};
    if (!run_goes_on(&run))
        return 0; /* no rule at all: Lua is not entered */
    lua_State *L = pb->L;
    pb->contact = contact;
    pb->event = event;
    pb->run = &run;
    pb->run_count++;
    event_table(pb, event);
    eval_base(pb);
    while (run_goes_on(&run)) {
        lua_pushcfunction(L, run_rules_protected);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        int status = lua_pcall(L, 2, 0, 1);
        pb->reads = NULL;
        if (status != LUA_OK)
            report_failure(pb, &run, status);
    }
    pb->run = NULL;
    lua_settop(L, EVAL_BASE);
    return run.rc == PLAYBOOK_STOP ? 0 : run.rc;
}
