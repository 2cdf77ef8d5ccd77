# Unit tests of the pure parts of the shell (URL parsing, key names), included from
# tests/unit/CMakeLists.txt: no network, no Redis needed.
add_executable(test_redis_url ${CMAKE_CURRENT_LIST_DIR}/test_redis_url.c)
target_link_libraries(test_redis_url PRIVATE nurture_shell PkgConfig::CMOCKA)
add_test(NAME redis_url COMMAND test_redis_url)

add_executable(test_keys ${CMAKE_CURRENT_LIST_DIR}/test_keys.c)
target_link_libraries(test_keys PRIVATE nurture_shell PkgConfig::CMOCKA)
add_test(NAME test_keys COMMAND test_keys)
set_tests_properties(test_keys PROPERTIES LABELS unit TIMEOUT 60)
