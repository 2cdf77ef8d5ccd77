# Turns the text file IN into a C header OUT that defines one string constant.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* Generated from redis_functions.lua at build time; do not edit. */\n")
file(APPEND ${OUT} "static const char REDIS_FUNCTIONS_LUA[] = {${bytes} 0x00};\n")
