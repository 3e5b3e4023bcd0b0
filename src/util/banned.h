/*
 * banned.h - libc functions the project refuses to use. Included last by
 * util/common.h so any use is a compile error. See STYLE.md section 10.
 */
#ifndef PCN_UTIL_BANNED_H
#define PCN_UTIL_BANNED_H

#define PCN_BANNED(func) sorry_##func##_is_banned_in_openpcn

#undef strcpy
#define strcpy(x, y) PCN_BANNED(strcpy)
#undef strcat
#define strcat(x, y) PCN_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) PCN_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) PCN_BANNED(strncat)
#undef sprintf
#define sprintf(...) PCN_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) PCN_BANNED(vsprintf)
#undef gets
#define gets(x) PCN_BANNED(gets)
#undef strtok
#define strtok(x, y) PCN_BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) PCN_BANNED(strtok_r)
#undef atoi
#define atoi(x) PCN_BANNED(atoi)
#undef atol
#define atol(x) PCN_BANNED(atol)
#undef atof
#define atof(x) PCN_BANNED(atof)
#undef gmtime
#define gmtime(x) PCN_BANNED(gmtime)
#undef localtime
#define localtime(x) PCN_BANNED(localtime)
#undef ctime
#define ctime(x) PCN_BANNED(ctime)
#undef asctime
#define asctime(x) PCN_BANNED(asctime)
#undef mktemp
#define mktemp(x) PCN_BANNED(mktemp)
#undef tmpnam
#define tmpnam(x) PCN_BANNED(tmpnam)
#undef alloca
#define alloca(x) PCN_BANNED(alloca)
#undef signal
#define signal(x, y) PCN_BANNED(signal)
#undef system
#define system(x) PCN_BANNED(system)
#undef popen
#define popen(x, y) PCN_BANNED(popen)
#undef rand
#define rand() PCN_BANNED(rand)

#endif /* PCN_UTIL_BANNED_H */
