# Integration flows against a real redis-server. ctest starts one private server on a free
# loopback port for the whole run (fixture "redis") and stops it by PID afterwards; each test
# uses its own key prefix, so tests never see each other's keys.
set(TEST_REDIS_DIR ${CMAKE_BINARY_DIR}/test-redis)
set(FIXTURE_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/redis_fixture.sh)

add_test(NAME redis_start COMMAND ${FIXTURE_SCRIPT} start ${TEST_REDIS_DIR})
add_test(NAME redis_stop COMMAND ${FIXTURE_SCRIPT} stop ${TEST_REDIS_DIR})
set_tests_properties(redis_start PROPERTIES FIXTURES_SETUP redis)
set_tests_properties(redis_stop PROPERTIES FIXTURES_CLEANUP redis)

# Runs COMMAND with NURTURE_TEST_REDIS_PORT set from the fixture's port file.
function(add_redis_test name)
  add_test(NAME ${name}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/with_redis.sh ${TEST_REDIS_DIR} ${ARGN})
  set_tests_properties(${name} PROPERTIES
    FIXTURES_REQUIRED redis
    TIMEOUT 120
    ENVIRONMENT "NURTURE_BIN=$<TARGET_FILE:nurture>;MA_CONSUMER_BIN=$<TARGET_FILE:ma-consumer>;NURTURE_SOURCE_DIR=${CMAKE_SOURCE_DIR};NURTURE_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp")
endfunction()

foreach(flow end_to_end duplicates dead_letters crash_recovery recovery reload policies
             commit_function stored_forms unreadable_state accounts account_switch
             stored_filter)
  add_redis_test(flow_${flow} ${CMAKE_CURRENT_SOURCE_DIR}/flow_${flow}.sh)
endforeach()

# The end-to-end flow once more with the engine under valgrind: a leak or a memory error
# makes the engine exit 42 instead of 0 at SIGTERM, which fails the flow. (Not in the
# sanitizer build: ASan and valgrind do not mix.)
if(NOT NURTURE_SANITIZE)
  add_redis_test(flow_end_to_end_valgrind ${CMAKE_CURRENT_SOURCE_DIR}/flow_end_to_end.sh)
  set_property(TEST flow_end_to_end_valgrind APPEND PROPERTY ENVIRONMENT
    "NURTURE_ENGINE_WRAPPER=valgrind -q --soname-synonyms=somalloc=libjemalloc.so.2 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=42")
endif()

# The short form of scripts/chaos.sh: SIGKILLs of the engine and one crash of an AOF-backed
# Redis of its own, checked against replay. The full form is run by hand (see the README).
add_test(NAME chaos_short COMMAND ${CMAKE_SOURCE_DIR}/scripts/chaos.sh --short)
set_tests_properties(chaos_short PROPERTIES TIMEOUT 300 LABELS chaos
  ENVIRONMENT "NURTURE_BIN=$<TARGET_FILE:nurture>")

# Command-line checks that need no Redis.
add_test(NAME cli_explain COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_explain.sh)
set_tests_properties(cli_explain PROPERTIES ENVIRONMENT
  "NURTURE_BIN=$<TARGET_FILE:nurture>;NURTURE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")

# The shipped playbooks pass their own tests, Japanese reasons survive replay, and `check`
# refuses broken playbooks with file:line.
add_test(NAME cli_playbooks COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_playbooks.sh)
set_tests_properties(cli_playbooks PROPERTIES ENVIRONMENT
  "NURTURE_BIN=$<TARGET_FILE:nurture>;NURTURE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")

# The journey map and explain --html: the pages name the stages (Japanese ones too), escape
# playbook and event text, and render to a non-blank picture in headless Chromium. png_ink
# decodes the screenshot (with zlib); without zlib the test is still added, and fails.
find_package(ZLIB)
if(ZLIB_FOUND)
  add_executable(png_ink ${CMAKE_CURRENT_SOURCE_DIR}/png_ink.c)
  target_link_libraries(png_ink PRIVATE ZLIB::ZLIB)
  set(PNG_INK_BIN $<TARGET_FILE:png_ink>)
else()
  set(PNG_INK_BIN "png_ink-needs-zlib1g-dev")
endif()
add_test(NAME cli_map COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/cli_map.sh)
set_tests_properties(cli_map PROPERTIES TIMEOUT 300 ENVIRONMENT
  "NURTURE_BIN=$<TARGET_FILE:nurture>;NURTURE_SOURCE_DIR=${CMAKE_SOURCE_DIR};PNG_INK_BIN=${PNG_INK_BIN}")

# The metrics endpoint and JSON logs, against a private redis-server that it stops and starts.
add_redis_test(flow_metrics ${CMAKE_CURRENT_SOURCE_DIR}/flow_metrics.sh)
