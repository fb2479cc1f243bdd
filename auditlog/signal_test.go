package auditlog

import "syscall"

const syscallTERM = syscall.SIGTERM
