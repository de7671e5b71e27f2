'use client';

/**
 * Mantine components rendered as Next.js links. They live in a client module because a server component cannot
 * pass the Link component itself as a prop to a client component.
 */
import Link from 'next/link';
import {
  Anchor,
  Button,
  Card,
  CloseButton,
  Text,
  type AnchorProps,
  type ButtonProps,
  type CardProps,
  type CloseButtonProps,
  type TextProps,
} from '@mantine/core';
import type { CSSProperties, ReactNode } from 'react';

type LinkBits = { href: string; children?: ReactNode; className?: string; style?: CSSProperties; 'data-testid'?: string; 'aria-label'?: string };

export function AnchorLink({ href, children, ...rest }: AnchorProps & LinkBits) {
  return (
    <Anchor component={Link} href={href} {...rest}>
      {children}
    </Anchor>
  );
}

export function ButtonLink({ href, children, ...rest }: ButtonProps & LinkBits) {
  return (
    <Button component={Link} href={href} {...rest}>
      {children}
    </Button>
  );
}

export function CardLink({ href, children, ...rest }: CardProps & LinkBits) {
  return (
    <Card component={Link} href={href} {...rest}>
      {children}
    </Card>
  );
}

export function TextLink({ href, children, ...rest }: TextProps & LinkBits) {
  return (
    <Text component={Link} href={href} {...rest}>
      {children}
    </Text>
  );
}

export function CloseButtonLink({ href, ...rest }: CloseButtonProps & LinkBits) {
  return <CloseButton component={Link} href={href} {...rest} />;
}
