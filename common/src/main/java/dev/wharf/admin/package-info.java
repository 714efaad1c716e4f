/** The admin port both programs serve: health now; metrics and route listing to come. */
package dev.wharf.admin;
