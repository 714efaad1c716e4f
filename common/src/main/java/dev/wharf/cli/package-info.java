/** What both programs' command lines share: error handling and option checks. */
package dev.wharf.cli;
