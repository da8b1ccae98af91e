// Package peers measures crmkit's rules side by side with the rule
// engines a Go host would otherwise pick — expr (github.com/expr-lang/expr,
// one VM reused) and cel-go (github.com/google/cel-go, a custom activation)
// — and with the same rule written by hand, on the same million customers
// (issue 22). It is a module of its own so that neither engine is a
// dependency of crmkit: run it with
//
//	cd bench/peers && go test -run '^$' -bench . -benchmem
//
// The tests check that every engine decides every customer as crmkit
// does, so the figures compare equal work.
package peers
