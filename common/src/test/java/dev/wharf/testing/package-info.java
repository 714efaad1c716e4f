/** Test support shared by every module (through the common test-jar): real Redis servers, waits, free ports. */
package dev.wharf.testing;
