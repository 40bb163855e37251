/**
 * @file todo.h
 * @brief What a skeleton function does until you write it.
 *
 * Every exercise body in a lesson folder starts as `TODO_UNIMPLEMENTED();`.
 * Calling it prints `not implemented yet: value_mul (day01_autograd/value.c:42)`
 * and ends the program with #LLMLAB_EXIT_TODO, which the grader reports as
 * "not started" rather than as a failure. Replace the call with your code.
 */
#ifndef LLMLAB_TODO_H
#define LLMLAB_TODO_H

/** Exit status of a program that reached an unwritten exercise. */
#define LLMLAB_EXIT_TODO 86

/** The marker the grader looks for on stderr. */
#define LLMLAB_TODO_MARKER "not implemented yet: "

_Noreturn void llmlab_todo_at(const char *func, const char *file, int line);

/** Stop here: this exercise is still to be written. */
#define TODO_UNIMPLEMENTED() llmlab_todo_at(__func__, __FILE__, __LINE__)

#endif
