"""One service per domain, each over the kernel's Session; none imports another."""
