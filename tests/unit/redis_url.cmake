# --- redis_url unit test (owner: rconn/redis_url engineer) --------------------------------
# Included from tests/unit/CMakeLists.txt; no network, no Redis needed.
add_executable(test_redis_url ${CMAKE_CURRENT_LIST_DIR}/test_redis_url.c)
target_link_libraries(test_redis_url PRIVATE nurture_shell PkgConfig::CMOCKA)
add_test(NAME redis_url COMMAND test_redis_url)
# --- end redis_url ------------------------------------------------------------------------
