create table account (id bigint auto_increment primary key, name varchar(64) not null);
